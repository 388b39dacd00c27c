site "sim" { dir = "d" }
credential { mode = "anonymous" }
notifications {
  cmdb_unreadable_after = "5m"
}
notify "hook" {
  type         = "webhook"
  url          = "http://127.0.0.1:8080/hook"
  allow_http   = true
  secret_env   = "HOOK_KEY"
  events       = ["breaker_tripped", "recovered"]
  min_severity = "warning"
  rate         = "5/10m"
  timeout      = "3s"
  max_attempts = 3
  backoff_base = "10s"
  backoff_cap  = "1m"
  queue        = 10
  ca_file      = "ca.pem"
}
notify "teams" {
  type    = "teams"
  url_env = "TEAMS_URL"
}
notify "slack" {
  type     = "slack"
  url_file = "slack.url"
}
notify "mail" {
  type        = "email"
  host        = "smtp.corp.example"
  tls         = "implicit"
  from        = "reconciler@corp.example"
  to          = ["a@corp.example", "b@corp.example"]
  username    = "svc"
  secret_file = "smtp.pw"
}
notify "relay" {
  type            = "email"
  host            = "10.0.0.25"
  port            = 25
  tls             = "none"
  allow_plaintext = true
  from            = "reconciler@corp.example"
  to              = ["a@corp.example"]
}
