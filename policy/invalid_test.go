package policy

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// base is a valid two-line policy; most cases append one problem to it,
// starting on line 3.
const base = "site \"sim\" { dir = \"d\" }\ncredential { mode = \"anonymous\" }\n"

// itmsBase is a valid itms site header; cases complete it.
const itmsBase = "credential { mode = \"anonymous\" }\nsite \"itms\" {\n  ns { host = \"ns01\" }\n"

// TestParseInvalid feeds one problem per case and expects exactly one
// diagnostic at the given line:col with the given summary.
func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name    string
		src     string // appended to base
		full    string // the whole file, instead of base + src
		at      string // line:col
		summary string
	}{
		{name: "typo attribute", src: `reconcile { schedul = "@hourly" }`, at: "3:13", summary: "Unsupported argument"},
		{name: "typo top-level attribute", src: `mdoe = "enforce"`, at: "3:1", summary: "Unsupported argument"},
		{name: "unknown block", src: `retry {}`, at: "3:1", summary: "Unsupported block type"},
		{name: "bad cron", src: `reconcile { schedule = "61 * * * *" }`, at: "3:24", summary: "Invalid cron schedule"},
		{name: "cron never fires", src: `reconcile { schedule = "0 0 31 2 *" }`, at: "3:24", summary: "Invalid cron schedule"},
		{name: "cron every zero", src: `reconcile { schedule = "@every 0s" }`, at: "3:24", summary: "Invalid cron schedule"},
		{name: "cron with TZ", src: `reconcile { schedule = "TZ=Europe/Paris 0 * * * *" }`, at: "3:24", summary: "Time zone in cron schedule"},
		{name: "cron with CRON_TZ", src: `reconcile { schedule = "CRON_TZ=UTC 0 * * * *" }`, at: "3:24", summary: "Time zone in cron schedule"},
		{name: "unknown kind in limit label", src: "limit \"delete_snapshot\" {\n  max = 1\n  per = \"1h\"\n}", at: "3:7", summary: "Unknown action kind"},
		{name: "unknown kind in allow", src: "window \"w\" {\n  schedule = \"@daily\"\n  duration = \"1h\"\n  allow = [\"grant_acl\", \"grant_acls\"]\n}", at: "6:25", summary: "Unknown action kind"},
		{name: "unknown kind in approve", src: `approve = ["approve_all"]`, at: "3:12", summary: "Unknown action kind"},
		{name: "unknown kind in dry_run_kinds", src: `dry_run_kinds = ["resend_status", "resend"]`, at: "3:35", summary: "Unknown action kind"},
		{name: "duplicate kind in approve", src: `approve = ["grant_acl", "grant_acl"]`, at: "3:25", summary: "Duplicate action kind"},
		{name: "bad duration", src: `reconcile { pending_grace = "10 minutes" }`, at: "3:29", summary: "Invalid duration"},
		{name: "zero duration", src: `reconcile { verify_after = "0s" }`, at: "3:28", summary: "Duration out of range"},
		{name: "negative duration", src: "limit \"grant_acl\" {\n  max = 5\n  per = \"-1h\"\n}", at: "5:9", summary: "Duration out of range"},
		{name: "negative breaker reset", src: `reconcile { breaker_reset_after = "-1s" }`, at: "3:35", summary: "Duration out of range"},
		{name: "limit max zero", src: "limit \"grant_acl\" {\n  max = 0\n  per = \"1h\"\n}", at: "4:9", summary: "Value out of range"},
		{name: "limit without per", src: "limit \"grant_acl\" {\n  max = 3\n}", at: "3:1", summary: "Missing required argument"},
		{name: "duplicate limit", src: "limit \"grant_acl\" {\n  max = 1\n  per = \"1h\"\n}\nlimit \"grant_acl\" {\n  max = 2\n  per = \"1h\"\n}", at: "7:7", summary: "Duplicate limit"},
		{name: "duplicate window", src: "window \"w\" {\n  schedule = \"@daily\"\n  duration = \"1h\"\n  deny = [\"grant_acl\"]\n}\nwindow \"w\" {\n  schedule = \"@daily\"\n  duration = \"1h\"\n  deny = [\"grant_acl\"]\n}", at: "8:8", summary: "Duplicate window"},
		{name: "window with allow and deny", src: "window \"w\" {\n  schedule = \"@daily\"\n  duration = \"1h\"\n  allow = [\"grant_acl\"]\n  deny = [\"resend_status\"]\n}", at: "7:3", summary: "Both allow and deny"},
		{name: "window without allow or deny", src: "window \"w\" {\n  schedule = \"@daily\"\n  duration = \"1h\"\n}", at: "3:1", summary: "Missing allow or deny"},
		{name: "window with empty allow", src: "window \"w\" {\n  schedule = \"@daily\"\n  duration = \"1h\"\n  allow = []\n}", at: "6:11", summary: "Empty kind list"},
		{name: "window without schedule", src: "window \"w\" {\n  duration = \"1h\"\n  allow = [\"grant_acl\"]\n}", at: "3:1", summary: "Missing required argument"},
		{name: "bad glob", src: `scope { include = ["PS*", "PS["] }`, at: "3:27", summary: "Invalid host pattern"},
		{name: "empty glob", src: `scope { exclude = [""] }`, at: "3:20", summary: "Invalid host pattern"},
		{name: "bad time zone", src: `reconcile { timezone = "Mars/Olympus" }`, at: "3:24", summary: "Unknown time zone"},
		{name: "bad window time zone", src: "window \"w\" {\n  schedule = \"@daily\"\n  duration = \"1h\"\n  timezone = \"CEST\"\n  deny = [\"grant_acl\"]\n}", at: "6:14", summary: "Unknown time zone"},
		{name: "bad mode", src: `mode = "apply"`, at: "3:8", summary: "Invalid mode"},
		{name: "concurrency zero", src: `reconcile { concurrency = 0 }`, at: "3:27", summary: "Value out of range"},
		{name: "concurrency too high", src: `reconcile { concurrency = 5000 }`, at: "3:27", summary: "Value out of range"},
		{name: "concurrency fraction", src: `reconcile { concurrency = 1.5 }`, at: "3:27", summary: "Incorrect attribute value type"},
		{name: "concurrency string", src: `reconcile { concurrency = "many" }`, at: "3:27", summary: "Incorrect attribute value type"},
		{name: "null value", src: `reconcile { concurrency = null }`, at: "3:27", summary: "Null value"},
		{name: "variable", src: `mode = enforce`, at: "3:8", summary: "Variables not allowed"},
		{name: "backoff cap below base", src: "reconcile {\n  backoff_base = \"10m\"\n  backoff_cap = \"5m\"\n}", at: "5:17", summary: "Backoff cap below base"},
		{name: "backoff base above default cap", src: `reconcile { backoff_base = "2h" }`, at: "3:28", summary: "Backoff cap below base"},
		{name: "bad listen address", src: `http { listen = "9464" }`, at: "3:17", summary: "Invalid listen address"},
		{name: "bad listen port", src: `http { listen = "localhost:http" }`, at: "3:17", summary: "Invalid listen address"},
		{name: "bad audit path", src: `audit { path = "" }`, at: "3:16", summary: "Invalid value"},
		{name: "duplicate reconcile block", src: "reconcile {}\nreconcile {}", at: "4:1", summary: "Duplicate reconcile block"},
		{name: "two site blocks", src: `site "sim" { dir = "e" }`, at: "3:1", summary: "Duplicate site block"},
		{name: "syntax error", src: `reconcile { concurrency = }`, at: "3:27", summary: "Invalid expression"},
		{name: "missing credential block", full: "site \"sim\" { dir = \"d\" }\n", at: "1:1", summary: "Missing credential block"},
		{name: "missing site block", full: "credential { mode = \"anonymous\" }\n", at: "1:1", summary: "Missing site block"},
		{name: "acc without account", full: "site \"sim\" { dir = \"d\" }\ncredential { mode = \"acc\" }\n", at: "2:1", summary: "Missing required argument"},
		{name: "bad credential mode", full: "site \"sim\" { dir = \"d\" }\ncredential { mode = \"kerberos\" }\n", at: "2:21", summary: "Invalid credential mode"},
		{name: "bad account", full: "site \"sim\" { dir = \"d\" }\ncredential {\n  mode = \"appid\"\n  account = \"CORP\\\\svc:1\"\n}\n", at: "4:13", summary: "Invalid account"},
		{name: "unknown site label", full: "site \"vm\" { dir = \"d\" }\ncredential { mode = \"anonymous\" }\n", at: "1:6", summary: "Unknown site kind"},
		{name: "sim without dir", full: "site \"sim\" { seed = 2 }\ncredential { mode = \"anonymous\" }\n", at: "1:1", summary: "Missing required argument"},
		{name: "bad scenario", full: "site \"sim\" {\n  dir = \"d\"\n  scenario = \"../demo\"\n}\ncredential { mode = \"anonymous\" }\n", at: "3:14", summary: "Invalid scenario"},
		{name: "itms with dsn_env and dsn_file", full: itmsBase + "  cmdb {\n    dsn_env = \"DSN\"\n    dsn_file = \"dsn.txt\"\n  }\n}\n", at: "6:5", summary: "Both dsn_env and dsn_file"},
		{name: "itms without dsn", full: itmsBase + "  cmdb {}\n}\n", at: "4:3", summary: "Missing DSN source"},
		{name: "itms dsn in dsn_env", full: itmsBase + "  cmdb { dsn_env = \"server=db;user id=sa\" }\n}\n", at: "4:20", summary: "Invalid environment variable name"},
		{name: "itms without cmdb", full: itmsBase + "}\n", at: "2:1", summary: "Missing cmdb block"},
		{name: "itms https false without allow_http", full: itmsBase + "  cmdb { dsn_env = \"DSN\" }\n  winrm {\n    https = false\n  }\n}\n", at: "6:13", summary: "Plain HTTP needs allow_http"},
		{name: "itms two password sources", full: itmsBase + "  cmdb { dsn_env = \"DSN\" }\n  winrm {\n    password_file = \"pw\"\n    password_env = \"PW\"\n  }\n}\n", at: "7:5", summary: "Both password_env and password_file"},
		{name: "itms bad auth", full: itmsBase + "  cmdb { dsn_env = \"DSN\" }\n  winrm { auth = \"basic\" }\n}\n", at: "5:18", summary: "Invalid auth"},
		{name: "itms kerberos setting with ntlm", full: itmsBase + "  cmdb { dsn_env = \"DSN\" }\n  winrm {\n    keytab = \"svc.keytab\"\n  }\n}\n", at: "6:5", summary: "Kerberos setting without Kerberos"},
		{name: "itms empty realm", full: itmsBase + "  cmdb { dsn_env = \"DSN\" }\n  winrm {\n    auth = \"kerberos\"\n    realm = \"\"\n  }\n}\n", at: "7:13", summary: "Invalid value"},
		{name: "itms bad port", full: itmsBase + "  cmdb { dsn_env = \"DSN\" }\n  winrm { port = 70000 }\n}\n", at: "5:18", summary: "Value out of range"},
		{name: "itms bad ns host", full: "credential { mode = \"anonymous\" }\nsite \"itms\" {\n  ns { host = \"ns01/../x\" }\n  cmdb { dsn_env = \"DSN\" }\n}\n", at: "3:15", summary: "Invalid host name"},
		{name: "itms relative windows path", full: itmsBase + "  cmdb { dsn_env = \"DSN\" }\n  agent { logs = \"Logs\" }\n}\n", at: "5:18", summary: "Invalid Windows path"},
		{name: "itms UNC windows path", full: itmsBase + "  cmdb { dsn_env = \"DSN\" }\n  agent { logs = \"\\\\\\\\fs\\\\logs\" }\n}\n", at: "5:18", summary: "Invalid Windows path"},
		{name: "itms traversal in windows path", full: itmsBase + "  cmdb { dsn_env = \"DSN\" }\n  agent { logs = \"C:\\\\x\\\\..\\\\Windows\" }\n}\n", at: "5:18", summary: "Invalid Windows path"},
		{name: "itms unknown attribute in ns", full: "credential { mode = \"anonymous\" }\nsite \"itms\" {\n  ns {\n    host = \"ns01\"\n    snapshot_dir = \"C:\\\\S\"\n  }\n  cmdb { dsn_env = \"DSN\" }\n}\n", at: "5:5", summary: "Unsupported argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.full
			if src == "" {
				src = base + tt.src + "\n"
			}
			file := filepath.Join(t.TempDir(), "policy.hcl")
			_, err := Parse([]byte(src), file)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse: got %v, want *Error", err)
			}
			want := fmt.Sprintf("%s:%s: %s", file, tt.at, tt.summary)
			if len(pe.Diags) != 1 || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("got %d diagnostic(s):\n%s\nwant one starting %q", len(pe.Diags), err, want)
			}
		})
	}
}
