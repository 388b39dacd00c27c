# A real site with only what is required: defaults from KB 179719 fill the rest.
site "itms" {
  cmdb {
    dsn_env = "RECONCILER_CMDB_DSN"
  }
  ns {
    host = "NS01"
  }
}

credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}
