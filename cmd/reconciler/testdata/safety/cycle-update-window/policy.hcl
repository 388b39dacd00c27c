# No update_configuration from midnight to 01:00.
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

window "night" {
  schedule = "0 0 * * *"
  duration = "1h"
  deny     = ["update_configuration"]
}
