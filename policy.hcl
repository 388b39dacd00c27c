# reconciler policy: what a healthy estate looks like, and how far the
# reconciler may go to get there. Check it with:  reconciler policy check
#
# This default drives the built-in simulated site, so that on a fresh clone
# `go run ./cmd/reconciler status` works with no ITMS at hand. For a real
# Notification Server, replace the site block with site "itms" { ... }.
# Paths are relative to this file's folder. Durations use Go syntax: "90s",
# "10m", "1h30m".

# "enforce" applies actions; "dry-run" (the default when omitted) only plans
# and audits them. Individual kinds can be held in dry run with
# dry_run_kinds = ["delete_ns_snapshot"].
mode = "enforce"

# Kinds listed here wait for `reconciler approve` before they are applied.
# One approval covers both rounds of a credential reset cycle: the id its
# hold names (reconciler plan shows it).
# approve = ["set_credential_mode"]

# The site to reconcile: "sim" is a simulated estate kept on disk under dir,
# seeded with a built-in scenario (or the path of a .json scenario file).
site "sim" {
  dir      = "demo-site"
  scenario = "demo"
  seed     = 1
  # Observe agents as a real ITMS site shows them: applied credential and
  # policy version unknown, only KB 179719's evidence (docs/sim.md).
  # hide_credential_facts = true
}

# The Package Service credential the NS must hold (Settings > Notification
# Server > Site Server Settings > Package Service Settings > Security
# Settings): anonymous, appid or acc. appid and acc name the account that
# needs Full Control on every Package Delivery folder. Never a password.
credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}

# How the loop runs: a cron spec (five fields, or @every / @hourly ...), how
# long Pending/Downloading pairs are left alone, how many package servers
# are worked on at once, and how many one pass may touch at most.
# sweep_every (default "1h"): how often a pass observes every package server
# in scope, not only those with rows in question. After a credential change
# the next pass does too, and the passes after it observe the servers that
# have not taken the change yet (a server unreachable during the change is
# repaired when it is back).
reconcile {
  schedule             = "@every 1m"
  pending_grace        = "10m"
  concurrency          = 8
  max_servers_per_pass = 25
  sweep_every          = "1h"
}

# Rate limits: at most max actions of a kind in any rolling window of per.
# Over budget, an action waits for a later pass (audited as deferred).
# Deleting NS snapshots makes every client fetch them again: keep it low.
limit "delete_ns_snapshot" {
  max = 10
  per = "1h"
}

limit "delete_ps_snapshot" {
  max = 200
  per = "1h"
}

# A credential reset cycle (stuck package servers) costs two
# set_credential_mode and is admitted whole: keep this at 2 or more.
limit "set_credential_mode" {
  max = 4
  per = "24h"
}

# Maintenance windows: from each cron start, for duration, in timezone.
# allow = [...] holds the listed kinds outside the window; deny = [...]
# holds them while it is open. Example: no credential changes during
# business hours in Paris.
# window "business-hours" {
#   schedule = "0 8 * * 1-5"
#   duration = "10h"
#   timezone = "Europe/Paris"
#   deny     = ["set_credential_mode"]
# }

# Which package servers to reconcile, by host-name glob (case-insensitive;
# * ? [a-z]). Exclusions win, e.g. exclude = ["PS-LAB-*"].
scope {
  include = ["*"]
}

# The hash-chained audit journal: every intent and outcome, one JSON line each.
# The live file stays at path; when it reaches rotate_size or its first
# record is rotate_age old it becomes a segment beside it
# (audit.jsonl.seg-000000000001.jsonl, ...). Segments older than retain_days
# (0: forever), and the oldest while all of them exceed retain_size ("0": no
# cap), are removed, and the removal journaled, but never one holding a record
# that a limit window or the approval TTL still counts. Beside the journal:
# .lock, .anchor (a signed checkpoint at every pass end) and .key (created at
# first start, 0600; it signs the anchors). The values below are the defaults.
audit {
  path        = "demo-site/audit.jsonl"
  rotate_size = "64MiB"
  rotate_age  = "168h"
  retain_days = 90
  retain_size = "0"
  # Forward every record to a SIEM's syslog input as RFC 5424 (udp://, tcp://
  # with octet counting, or unix:///dev/log). A collector that is down never
  # holds up a pass: records are dropped and counted, the journal keeps them.
  # syslog {
  #   address  = "udp://127.0.0.1:514"
  #   facility = "local0"
  #   queue    = 1000
  # }
}

# Prometheus /metrics, /healthz and /readyz; "" turns the endpoint off.
http {
  listen = "127.0.0.1:9464"
}
