# A full policy for a real Notification Server: every block, most attributes.
mode          = "enforce"
dry_run_kinds = ["delete_ns_snapshot"]
approve       = ["set_credential_mode", "run_package_refresh"]

site "itms" {
  cmdb {
    dsn_file        = "secrets/cmdb.dsn"
    allow_insecure  = true
    connect_timeout = "5s"
    query_timeout   = "2m"
  }
  ns {
    host               = "ns01.corp.example"
    snapshots_dir      = "D:\\SMP\\Snapshots"
    refresh_task       = "Custom.Package.Refresh"
    credential_command = "scripts/set-credential.ps1"
  }
  winrm {
    https                = false
    allow_http           = true
    insecure_skip_verify = true
    auth                 = "kerberos"
    user_env             = "ITMS_USER"
    password_file        = "/etc/reconciler/winrm.pw"
    timeout              = "45s"
    ca_file              = "pki/winrm-ca.pem"
    realm                = "CORP.EXAMPLE"
    krb5_conf            = "/etc/reconciler/krb5.conf"
    keytab               = "/etc/reconciler/svc-reconciler.keytab"
  }
  agent {
    package_delivery = "E:\\Agent\\Package Delivery"
    logs             = "D:\\Logs\\agents"
  }
}

credential {
  mode    = "appid"
  account = "svc-itms@corp.example"
}

reconcile {
  schedule             = "0 */2 * * *"
  timezone             = "America/New_York"
  pending_grace        = "45m"
  concurrency          = 32
  pass_timeout         = "20m"
  call_timeout         = "1m"
  max_servers_per_pass = 100
  verify_after         = "5m"
  backoff_base         = "30s"
  backoff_cap          = "30s"
  breaker_reset_after  = "0s"
  approval_ttl         = "72h"
}

limit "set_credential_mode" {
  max = 2
  per = "24h"
}

limit "delete_ns_snapshot" {
  max = 20
  per = "1h"
}

window "weeknights" {
  schedule = "0 22 * * 1-5"
  duration = "6h"
  timezone = "Europe/Paris"
  allow    = ["delete_ns_snapshot", "run_package_refresh"]
}

window "month-end-freeze" {
  schedule = "@monthly"
  duration = "48h"
  deny     = ["set_credential_mode", "delete_ps_snapshot"]
}

scope {
  include = ["PS*", "ps-branch-??.corp.example"]
  exclude = ["PS-LAB-*"]
}

audit {
  path = "/var/log/reconciler/audit.jsonl"
}

http {
  listen = ""
}
