#!/usr/bin/env bash
# check-html.sh: render an HTML report of `reconciler sim` in headless
# Chromium and check that the screenshot is not blank.
#
#   scripts/check-html.sh [REPORT.html]
#
# Without an argument it first generates a report from
# scripts/testdata/check-html/ (a scenario and a policy with limits and
# windows, so every chart has something to draw). It needs Go and Debian's
# chromium (apt-get install -y chromium). Set KEEP_PNG=FILE to keep the
# screenshot for a look. Exit 0: the page rendered; 1: it did not; 2: a
# tool is missing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data=$root/scripts/testdata/check-html
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "check-html: $*" >&2; exit 1; }

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "check-html: chromium not found (apt-get install -y chromium)" >&2; exit 2; }
command -v go >/dev/null || { echo "check-html: go not found" >&2; exit 2; }

html=${1:-}
if [ -z "$html" ]; then
	html=$work/report.html
	(cd "$root" && go run ./cmd/reconciler sim --policy "$data/policy.hcl" \
		--scenario "$data/scenario.json" --report "$work/report.json" --html "$html")
fi
[ -s "$html" ] || fail "$html: missing or empty"
html=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")

# The page must be self-contained: no script, no external asset.
if grep -Eq '<script|<link|src=|url\(|@import' "$html"; then
	fail "$html refers to scripts or external assets"
fi

png=$work/out.png
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$work/profile" --screenshot="$png" --window-size=1280,2000 \
	"file://$html" >"$work/chromium.log" 2>&1 || { cat "$work/chromium.log" >&2; fail "chromium failed"; }
[ -s "$png" ] || { cat "$work/chromium.log" >&2; fail "no screenshot"; }

size=$(wc -c <"$png")
read -r width height colours ink < <(cd "$root" && go run "$data/pngstat.go" "$png")
echo "check-html: $html: ${width}x${height} screenshot, $size bytes, $colours colours, ${ink} of pixels inked"
[ "$size" -gt 40000 ] || fail "screenshot is only $size bytes: the page looks empty"
[ "$colours" -ge 16 ] || fail "screenshot has $colours colours: the charts did not render"
awk -v ink="$ink" 'BEGIN { exit !(ink >= 0.03) }' || fail "only $ink of the screenshot differs from the background"
if [ -n "${KEEP_PNG:-}" ]; then
	cp "$png" "$KEEP_PNG"
	echo "check-html: screenshot kept in $KEEP_PNG"
fi
