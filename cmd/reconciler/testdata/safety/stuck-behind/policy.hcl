# The NS drifted; PS002 is stuck and unreachable while the drift is fixed.
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
