# sim-policy.hcl with a tight cap on NS snapshot deletions: 5 an hour. Try
# it with examples/scenarios/ns-snapshot-storm.json (12 stale NS snapshots
# on 200 servers): the NS side is rebuilt in three hourly batches, and each
# server takes one update_configuration, after the last batch.
mode = "enforce"

site "sim" {
  dir = "unused-by-sim" # required by the policy syntax, ignored by sim
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
  max = 5
  per = "1h"
}

limit "set_credential_mode" {
  max = 4
  per = "24h"
}
