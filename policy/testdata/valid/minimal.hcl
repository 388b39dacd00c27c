# The least a policy needs: a site and a credential. Everything else
# takes its default (and mode defaults to dry-run).
site "sim" {
  dir = "sim"
}

credential {
  mode = "anonymous"
}
