# Credential changes need an approval; nobody approves in the simulation.
mode = "enforce"

site "sim" {
  dir = "ignored-by-sim"
}

credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}

approve = ["set_credential_mode"]

reconcile {
  schedule = "*/5 * * * *"
}
