# Notifications: who is told when the reconciler needs a person.
# `reconciler policy check examples/policies/notify.hcl` validates this
# file; `reconciler notify test NAME --policy examples/policies/notify.hcl`
# sends a test message to one receiver. Secrets (signing keys, webhook
# URLs that carry tokens, SMTP passwords) never go in the policy: each
# receiver names the environment variable or file that holds them.

mode = "dry-run"

site "sim" {
  dir = "demo-site"
}

credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}

# Settings shared by every receiver.
notifications {
  cmdb_unreadable_after = "15m" # tell after the CMDB stayed unreadable this long
  drain_timeout         = "10s" # on shutdown, let receivers finish their queue this long
}

# A generic webhook: a JSON POST signed with HMAC-SHA256 (see the README).
notify "ops-webhook" {
  type        = "webhook"
  url         = "https://alerts.corp.example/reconciler"
  secret_file = "/etc/reconciler/webhook.key" # the signing key, readable by the service only
  events      = ["breaker_tripped", "breaker_closed", "stalled", "journal_problem", "cmdb_unreadable", "recovered"]
}

# Microsoft Teams through a Workflows webhook ("Post to a channel when a
# webhook request is received"). The URL is a secret: it comes from the
# environment.
notify "itms-teams" {
  type         = "teams"
  url_env      = "RECONCILER_TEAMS_URL"
  min_severity = "warning"
  rate         = "20/1h"
}

# A Slack incoming webhook; its URL from a file.
notify "itms-slack" {
  type     = "slack"
  url_file = "/etc/reconciler/slack.url"
  events   = ["approval_needed", "policy_rejected", "recovered"]
}

# Email over SMTP: STARTTLS is required unless tls says otherwise.
notify "itms-mail" {
  type         = "email"
  host         = "smtp.corp.example"
  port         = 587
  from         = "reconciler@corp.example"
  to           = ["itms-admins@corp.example"]
  username     = "svc-reconciler"
  secret_env   = "RECONCILER_SMTP_PASSWORD"
  min_severity = "critical"
}
