# The NS is on anonymous; the policy wants acc.
mode = "enforce"

site "sim" {
  dir = "ignored-by-sim"
}

credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}

reconcile {
  schedule = "*/5 * * * *"
}
