# update_configuration is only planned and audited, never applied.
mode = "enforce"

site "sim" {
  dir = "ignored-by-sim"
}

credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}

dry_run_kinds = ["update_configuration"]

reconcile {
  schedule = "*/5 * * * *"
}
