#!/usr/bin/env bash
# console-e2e.sh: start the daemon on a fresh copy of the demo site and
# drive its web console in Debian's headless Chromium with Playwright
# (playwright-core from e2e/console/, never a downloaded browser): the
# broken servers are shown, the repair appears live without a reload, a
# server page shows its history and reasons, no console errors, and the
# screenshot is not blank.
#
#   scripts/console-e2e.sh
#
# It needs Go, node/npm (npm ci installs e2e/console/) and /usr/bin/chromium
# (apt-get install -y chromium). KEEP_PNG=FILE keeps the screenshot (the
# README's docs/console.png comes from it). Exit 0: the console works; 1:
# it does not; 2: a tool is missing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
daemon=
cleanup() {
	if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
		kill -TERM "$daemon" 2>/dev/null || true
		wait "$daemon" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "console-e2e: $*" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "console-e2e: /usr/bin/chromium not found (apt-get install -y chromium)" >&2; exit 2; }
for tool in go node npm curl; do
	command -v "$tool" >/dev/null || { echo "console-e2e: $tool not found" >&2; exit 2; }
done

(cd "$root/e2e/console" && npm ci --no-audit --no-fund --loglevel=error)
(cd "$root" && go build -o "$work/reconciler" ./cmd/reconciler)

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
policy=$work/policy.hcl
# The repository's demo policy, on a fresh site in the temp folder, every
# 2 s, in dry run (the script switches it to enforce), on the free port.
sed -e 's|^mode = "enforce"|mode = "dry-run"|' \
	-e 's|dir      = "demo-site"|dir      = "site"|' \
	-e 's|path = "demo-site/audit.jsonl"|path = "site/audit.jsonl"|' \
	-e 's|schedule             = "@every 1m"|schedule             = "@every 2s"|' \
	-e "s|listen = \"127.0.0.1:9464\"|listen = \"127.0.0.1:$port\"|" \
	"$root/policy.hcl" >"$policy"
grep -q 'mode = "dry-run"' "$policy" && grep -q '@every 2s' "$policy" && grep -q "127.0.0.1:$port" "$policy" \
	|| fail "the demo policy changed: adapt the sed lines of this script"

"$work/reconciler" run --policy "$policy" >"$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 1 100); do
	curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
	kill -0 "$daemon" 2>/dev/null || { tail -20 "$work/daemon.log" >&2; fail "the daemon exited"; }
	sleep 0.2
done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { tail -20 "$work/daemon.log" >&2; fail "the console did not come up"; }

png=$work/console.png
if ! CONSOLE_URL="http://127.0.0.1:$port" POLICY_FILE="$policy" PROFILE_DIR="$work/profile" SCREENSHOT="$png" \
	timeout 300 node "$root/e2e/console/console.e2e.js"; then
	tail -20 "$work/daemon.log" >&2
	fail "the browser test failed"
fi

kill -TERM "$daemon"
wait "$daemon" || fail "the daemon did not stop cleanly"
daemon=

read -r width height colours ink < <(cd "$root" && go run ./scripts/testdata/check-html/pngstat.go "$png")
echo "console-e2e: ${width}x${height} screenshot, $colours colours, $ink of pixels inked"
[ "$colours" -ge 16 ] || fail "the screenshot has $colours colours: blank"
awk -v ink="$ink" 'BEGIN { exit !(ink >= 0.03) }' || fail "only $ink of the screenshot differs from the background"
if [ -n "${KEEP_PNG:-}" ]; then
	cp "$png" "$KEEP_PNG"
	echo "console-e2e: screenshot kept in $KEEP_PNG"
fi
echo "console-e2e: ok"
