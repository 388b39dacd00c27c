# A policy to try with `reconciler sim`: closer to production than the
# repository's demo policy.hcl (a pass every 5 minutes, 250 servers per pass,
# deletion caps). Only its site, audit and http blocks are ignored by sim.
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

audit {
  path = "sim-audit.jsonl" # ignored by sim; lets `reconciler audit` read a kept journal
}
