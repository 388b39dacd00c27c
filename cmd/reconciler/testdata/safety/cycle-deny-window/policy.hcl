# No credential change from midnight to 02:00 (the simulation starts at midnight).
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
  duration = "2h"
  deny     = ["set_credential_mode"]
}
