# One credential change a day: a reset cycle (two changes) can never start.
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

limit "set_credential_mode" {
  max = 1
  per = "24h"
}
