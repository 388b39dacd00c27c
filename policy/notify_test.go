package policy

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestNotifyGolden decodes every kind of receiver with every attribute
// and default.
func TestNotifyGolden(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "notify"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(filepath.Join(dir, "valid.hcl"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var b strings.Builder
	b.WriteString(dump(p, dir))
	golden(t, filepath.Join(dir, "valid.golden"), b.String())
}

// TestNotifyExample keeps examples/policies/notify.hcl valid.
func TestNotifyExample(t *testing.T) {
	p, err := Load(filepath.Join("..", "examples", "policies", "notify.hcl"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(p.Notify) != 4 {
		t.Fatalf("got %d receivers, want 4", len(p.Notify))
	}
	for i, typ := range []string{"webhook", "teams", "slack", "email"} {
		if p.Notify[i].Type != typ {
			t.Errorf("receiver %d is %s, want %s", i, p.Notify[i].Type, typ)
		}
	}
}

// TestNotifyInvalid: one problem per case, one diagnostic at line:col.
func TestNotifyInvalid(t *testing.T) {
	hook := "notify \"h\" {\n  type = \"webhook\"\n  url = \"https://x.example/h\"\n  secret_env = \"K\"\n"
	mailNoTo := "notify \"m\" {\n  type = \"email\"\n  host = \"smtp.example\"\n  from = \"r@x.example\"\n"
	mail := mailNoTo + "  to = [\"a@x.example\"]\n"
	tests := []struct {
		name, src, at, summary string
	}{
		{"no type", "notify \"a\" {\n  url = \"https://x\"\n}", "3:1", "Missing required argument"},
		{"unknown type", "notify \"a\" {\n  type = \"pager\"\n}", "4:10", "Unknown receiver type"},
		{"bad name", "notify \"a b\" {\n  type = \"teams\"\n  url_env = \"U\"\n}", "3:8", "Invalid receiver name"},
		{"duplicate name", hook + "}\n" + hook + "}", "8:8", "Duplicate receiver"},
		{"unknown attribute", hook + "  retries = 3\n}", "7:3", "Unsupported argument"},
		{"attribute of another type", hook + "  host = \"smtp\"\n}", "7:3", "Unsupported argument"},
		{"teams url inline", "notify \"t\" {\n  type = \"teams\"\n  url = \"https://x.example/workflows/abc\"\n}", "5:3", "Webhook URL in the policy"},
		{"slack without url", "notify \"s\" {\n  type = \"slack\"\n}", "3:1", "Missing url_env"},
		{"slack two urls", "notify \"s\" {\n  type = \"slack\"\n  url_env = \"U\"\n  url_file = \"f\"\n}", "6:3", "More than one of url_env or url_file"},
		{"http url", "notify \"h\" {\n  type = \"webhook\"\n  url = \"http://x.example/h\"\n  secret_env = \"K\"\n}", "5:9", "Invalid URL"},
		{"relative url", "notify \"h\" {\n  type = \"webhook\"\n  url = \"/h\"\n  secret_env = \"K\"\n}", "5:9", "Invalid URL"},
		{"webhook without secret", "notify \"h\" {\n  type = \"webhook\"\n  url = \"https://x.example/h\"\n}", "3:1", "Missing secret_env"},
		{"secret value not a name", "notify \"h\" {\n  type = \"webhook\"\n  url = \"https://x.example/h\"\n  secret_env = \"hunter2!\"\n}", "6:16", "Invalid environment variable name"},
		{"unknown event", hook + "  events = [\"breaker_trip\"]\n}", "7:13", "Unknown event kind"},
		{"duplicate event", hook + "  events = [\"stalled\", \"stalled\"]\n}", "7:24", "Duplicate event kind"},
		{"bad severity", hook + "  min_severity = \"high\"\n}", "7:18", "Invalid severity"},
		{"bad rate", hook + "  rate = \"10 per hour\"\n}", "7:10", "Invalid rate"},
		{"rate zero", hook + "  rate = \"0/1h\"\n}", "7:10", "Invalid rate"},
		{"queue zero", hook + "  queue = 0\n}", "7:11", "Value out of range"},
		{"cap below base", hook + "  backoff_base = \"5m\"\n  backoff_cap = \"1m\"\n}", "8:17", "Backoff cap below base"},
		{"mail without to", "notify \"m\" {\n  type = \"email\"\n  host = \"smtp.example\"\n  from = \"r@x.example\"\n}", "3:1", "Missing required argument"},
		{"mail bad from", "notify \"m\" {\n  type = \"email\"\n  host = \"smtp.example\"\n  from = \"Reconciler <r@x>\"\n  to = [\"a@x.example\"]\n}", "6:10", "Invalid mail address"},
		{"mail bad to", mailNoTo + "  to = [\"a@x.example\", \"nobody\"]\n}", "7:24", "Invalid mail address"},
		{"mail plaintext without switch", mail + "  tls = \"none\"\n}", "8:9", "Plaintext mail needs allow_plaintext"},
		{"mail bad tls", mail + "  tls = \"ssl\"\n}", "8:9", "Invalid tls"},
		{"mail user without password", mail + "  username = \"svc\"\n}", "8:3", "Missing SMTP password"},
		{"mail password without user", mail + "  secret_env = \"P\"\n}", "8:3", "Password without username"},
		{"mail url", mail + "  url_env = \"U\"\n}", "8:3", "Unsupported argument"},
		{"bad cmdb threshold", "notifications {\n  cmdb_unreadable_after = \"soon\"\n}", "4:27", "Invalid duration"},
		{"unknown notifications attribute", "notifications {\n  queue = 3\n}", "4:3", "Unsupported argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "p.hcl")
			_, err := Parse([]byte(base+tt.src+"\n"), file)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse: got %v, want *Error", err)
			}
			if len(pe.Diags) != 1 {
				t.Fatalf("got %d diagnostics, want 1:\n%v", len(pe.Diags), err)
			}
			want := file + ":" + tt.at + ": " + tt.summary
			if got := err.Error(); !strings.HasPrefix(got, want) {
				t.Errorf("got  %s\nwant %s…", got, want)
			}
		})
	}
}
