# The policy of scripts/check-html.sh: every chart has something to draw
# (a limit per chart of budget use, an allow and a deny window).
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

limit "delete_ns_snapshot" {
  max = 2
  per = "1h"
}

limit "delete_ps_snapshot" {
  max = 12
  per = "1h"
}

window "nights" {
  schedule = "0 20 * * *"
  duration = "10h"
  allow    = ["delete_ns_snapshot", "delete_ps_snapshot"]
}

window "business-hours" {
  schedule = "0 8 * * 1-5"
  duration = "10h"
  deny     = ["set_credential_mode"]
}
