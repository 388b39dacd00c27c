# A production-like policy for simulations: a pass every five minutes,
# conservative caps on the NS-wide and destructive kinds.
mode = "enforce"

site "sim" {
  dir = "unused-in-sim"
}

credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}

reconcile {
  schedule             = "*/5 * * * *"
  pending_grace        = "30m"
  concurrency          = 16
  max_servers_per_pass = 250
}

limit "delete_ns_snapshot" {
  max = 20
  per = "1h"
}

limit "delete_ps_snapshot" {
  max = 300
  per = "1h"
}

limit "set_credential_mode" {
  max = 4
  per = "24h"
}
