# Four problems, one per block: each must be reported with its own position.
mode = "enforce"

site "sim" {
  dir = "demo-site"
}

credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}

reconcile {
  schedul       = "*/5 * * * *"
  pending_grace = "10 minutes"
}

limit "delete_ns_snapshots" {
  max = 10
  per = "1h"
}

window "weeknights" {
  schedule = "0 25 * * 1-5"
  duration = "6h"
  allow    = ["delete_ns_snapshot"]
}
