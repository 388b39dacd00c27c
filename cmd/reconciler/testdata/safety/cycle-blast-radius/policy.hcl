# One package server per pass: two stuck servers need two cycles.
mode = "enforce"

site "sim" {
  dir = "ignored-by-sim"
}

credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}

reconcile {
  schedule             = "*/5 * * * *"
  max_servers_per_pass = 1
}
