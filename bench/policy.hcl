# The policy bench/run measures with: the pass (`reconcile` tuning, the
# credential of every bench estate) and `reconciler sim` on the large
# estate. Production-like: a pass every five minutes, conservative caps on
# the NS-wide and destructive kinds.
mode = "enforce"

# Ignored by the bench and by `reconciler sim`: the estates are built by
# bench/run (SQLite CMDB + in-memory agents) or by the scenario.
site "sim" {
  dir = "unused-in-bench"
}

credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}

reconcile {
  schedule             = "*/5 * * * *"
  pending_grace        = "30m"
  # 1,000 agents answering in 100 ms each must be observed within 2 s:
  # ceil(1000 / c) x 100 ms <= 2 s needs c >= 50. 64 leaves room for the
  # calls' own cost (16 rounds, 1.6 s); 16, the default, takes 6.3 s.
  concurrency          = 64
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
