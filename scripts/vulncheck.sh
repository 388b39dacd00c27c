#!/usr/bin/env bash
# Known vulnerabilities in the code and its dependencies (govulncheck), with
# a database built here from the golang.org/x/vulndb module: the public
# vuln.go.dev cannot be reached from CI, the module proxy can. Fails when our
# code reaches a vulnerable symbol of a module dependency; standard-library
# findings that only a newer Go fixes are reported, not failed
# (scripts/vulncheck decides; RELIABILITY.md says what they mean here).
#
# The built database is cached by vulndb version under
# $RECONCILER_CI_CACHE (default ~/.cache/reconciler-ci), so only the first run
# after a new vulndb version builds it.
set -euo pipefail
cd "$(dirname "$0")/.."

GOVULNCHECK=golang.org/x/vuln/cmd/govulncheck@v1.9.0 # pinned: its JSON is what scripts/vulncheck reads
cache="${RECONCILER_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reconciler-ci}"
# The tools are not dependencies of this module: -mod=readonly is not theirs.
export GOFLAGS=

info=$(go mod download -json golang.org/x/vulndb@latest)
field() { printf '%s\n' "$info" | sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}$/\1/p"; }
version=$(field Version)
src=$(field Dir)
if [ -z "$version" ] || [ ! -d "$src/data/osv" ]; then
  echo "vulncheck: golang.org/x/vulndb not downloaded: $info" >&2
  exit 1
fi

db="$cache/vulndb/$version"
if [ ! -f "$db/index/db.json" ]; then
  mkdir -p "$cache/vulndb"
  tmp=$(mktemp -d "$cache/vulndb/.build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "building the vulnerability database from golang.org/x/vulndb $version ($(ls "$src/data/osv" | wc -l) entries)"
  go run "golang.org/x/vulndb/cmd/indexdb@$version" -vulns "$src/data/osv" -out "$tmp/db"
  rm -rf "$db"
  mv "$tmp/db" "$db"
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
go run "$GOVULNCHECK" -db "file://$db" -format json ./... >"$out"
go run ./scripts/vulncheck -db-version "$version" "$out"
