# reconciler policy for a real ITMS 8.x Notification Server (site "itms").
# Check it with:  reconciler policy check examples/policy-itms.hcl
# Try it read-only first: keep mode = "dry-run" and run `reconciler plan`;
# docs/itms.md says what the driver does, what each setting means, and what
# was never verified against a real ITMS.
#
# Secrets never go in this file: the CMDB connection string and the WinRM
# password come from environment variables (or files) named below.
# Relative paths are relative to this file's folder. Durations use Go
# syntax: "90s", "10m", "1h30m".

# "dry-run" plans and audits every action and applies none. Switch to
# "enforce" only after the plans of a few passes look right.
mode = "dry-run"

# Kinds that wait for `reconciler approve` even in enforce mode. Changing
# the NS credential setting touches every package server, and deleting NS
# snapshots makes every client download them again (KB 179719's warning).
approve = ["set_credential_mode", "delete_ns_snapshot", "run_package_refresh"]

site "itms" {
  # The Symantec_CMDB database, read-only, on the primary. The DSN is a
  # go-mssqldb connection string, for example
  #   sqlserver://svc-reconciler:PASSWORD@sql01.corp.example?database=Symantec_CMDB&encrypt=true&serverCertificate=/etc/reconciler/sql01.pem
  # (encrypt=strict needs SQL Server 2022 or later) or the ADO form
  # server=...;user id=...;password=...;database=Symantec_CMDB.
  # Without encrypt the driver forces encrypt=true and checks the server
  # certificate; encrypt=disable or TrustServerCertificate=true are refused
  # unless allow_insecure = true, and then logged and audited at start.
  # "guid conversion=true" and ApplicationIntent=ReadOnly are refused. The
  # schema is checked before the first read (docs/itms.md).
  cmdb {
    dsn_env         = "RECONCILER_CMDB_DSN"
    connect_timeout = "15s" # TCP, TLS and login of one connection
    query_timeout   = "1m"  # one CMDB query
  }

  # The Notification Server, reached over WinRM with the account below.
  ns {
    host = "ns01.corp.example"
    # KB 179719's folder of NS snapshots ({GUID}.xml).
    snapshots_dir = "C:\\ProgramData\\Symantec\\SMP\\Snapshots"
    # run_package_refresh finds the task by listing: "NS.Package.Refresh"
    # (KB 179719) or "NS.Package Refresh" (KBs 176985, 422201), alone or
    # with a ".{GUID}" suffix; refresh_task = "..." accepts only that name.
    # It then runs "NS.Package Distribution Point Update Schedule", which
    # builds the snapshots (KB 180568), and waits for both to end.
    # refresh_task = "NS.Package Refresh"
    distribution_point_update = true
    refresh_wait              = "40s"
    # ITMS documents no single call that reads or sets the Package Service
    # security setting. Without this command the reconciler neither reads
    # nor changes it (and plans no credential actions). With it, the
    # PowerShell file (on this machine) is sent to the NS and run with
    # -Verb observe|set -Mode ... -Account ...; docs/itms.md gives its
    # contract. Write and test it yourself before enabling it.
    # credential_command = "set-credential.ps1"
  }

  # WinRM to the NS and the package servers: HTTPS on 5986 with NTLM, the
  # server certificate checked against this machine's trust store (or the
  # CAs in ca_file only). https = false (with allow_http = true) or
  # insecure_skip_verify = true are possible, and logged and audited at
  # start. In a domain that disables NTLM use auth = "kerberos" with
  # krb5_conf (default /etc/krb5.conf), and realm or keytab where needed.
  winrm {
    port         = 5986
    https        = true
    auth         = "ntlm"
    user_env     = "RECONCILER_WINRM_USER"     # DOMAIN\user
    password_env = "RECONCILER_WINRM_PASSWORD"
    timeout      = "60s" # one script run on one server
    # ca_file    = "winrm-ca.pem"
    # auth       = "kerberos"
    # krb5_conf  = "/etc/krb5.conf"
    # realm      = "CORP.EXAMPLE"
    # keytab     = "/etc/reconciler/svc-reconciler.keytab"
  }

  # The agent's folders on every package server. Package Delivery and the
  # Package Status folder are found on each server (the agent's InstallDir,
  # the NS's custom primary location, KB 179719's ProgramData folders: see
  # docs/itms.md); set package_delivery / package_status only to override.
  # Local drive paths only: no UNC, no "..", nothing under C:\Windows.
  agent {
    # package_delivery = "D:\\Packages\\Package Delivery"
    logs            = "C:\\ProgramData\\Symantec\\Symantec Agent\\Logs"
    client_policies = "C:\\Program Files\\Altiris\\Altiris Agent\\Client Policies"
    # grant_acl: "full_control" as KB 179719 asks, or "read_execute" (KB
    # 194234); trees larger than grant_max_entries are refused (Windows
    # propagates the rule through the whole tree within one WinRM run).
    grant_rights      = "full_control"
    grant_max_entries = 20000
    # update_configuration waits this long for the agent's new policy.
    update_wait = "40s"
  }
}

# The Package Service credential the NS must hold (Settings > Notification
# Server > Site Server Settings > Package Service Settings > Security
# Settings). Spell the account as Windows shows it in folder permissions
# (DOMAIN\user): the ACL check compares names.
credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}

reconcile {
  schedule             = "*/15 * * * *"
  pending_grace        = "30m" # Pending/Downloading younger than this is left alone
  concurrency          = 8     # package servers observed or acted on at once
  call_timeout         = "2m"  # one driver call (observe one server, one action)
  max_servers_per_pass = 10    # blast radius
}

limit "delete_ns_snapshot" {
  max = 10
  per = "1h"
}

limit "delete_ps_snapshot" {
  max = 100
  per = "1h"
}

limit "set_credential_mode" {
  max = 2
  per = "24h"
}

# Destructive work only at night, Monday to Friday.
window "nights" {
  schedule = "0 22 * * 1-5"
  duration = "6h"
  timezone = "Europe/Paris"
  allow    = ["delete_ns_snapshot", "run_package_refresh", "delete_ps_snapshot", "delete_ps_status"]
}

scope {
  include = ["*"]
  exclude = ["PS-LAB-*"]
}

audit {
  path = "audit/itms-audit.jsonl"
}

http {
  listen = "127.0.0.1:9464"
}
