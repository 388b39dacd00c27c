# The NS drifted to an old account; PS006 is unreachable for the first hour.
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
