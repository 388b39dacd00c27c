package daemon

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/redact"
	"github.com/itms-tools/reconciler/siteopen"
)

var t0 = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)

// stuckScenario is a small simulated estate with one stuck credential.
const stuckScenario = `{"name": "stuck", "seed": 7, "servers": 3, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "duration": "1h",
  "faults": [{"kind": "credential_stuck", "servers": ["PS002"]}]}`

// simPolicy writes a policy over stuckScenario into dir, with extra
// appended, and returns its path.
func simPolicy(t *testing.T, dir, extra string) string {
	t.Helper()
	writeFile(t, dir, "stuck.json", stuckScenario)
	text := "site \"sim\" {\n  dir      = \"site\"\n  scenario = \"stuck.json\"\n}\n" +
		"credential {\n  mode    = \"acc\"\n  account = \"CORP\\\\svc-itms-acc\"\n}\n" +
		"audit {\n  path = \"audit.jsonl\"\n}\n" + extra
	return writeFile(t, dir, "policy.hcl", text)
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// testOptions loads the policy at path and opens its site: the Options
// the wiring would hand Run, without a journal opener.
func testOptions(t *testing.T, path string, clk clock.Clock) Options {
	t.Helper()
	pol, err := policy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	s, err := siteopen.Open(context.Background(), pol, clk, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return Options{Policy: pol, Site: s.Site, Clock: clk, Logger: log, Secrets: &redact.Set{},
		NotifyBuild: notify.BuildOptions{Getenv: func(string) string { return "" }, Clock: clk}, NS: "simulated site"}
}

// openJournal opens the journal at path for the test.
func openJournal(t *testing.T, path string, clk clock.Clock) *audit.Journal {
	t.Helper()
	j, err := audit.Open(path, audit.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// leader is a controller that writes to j.
func leader(t *testing.T, o Options, j *audit.Journal) *controller.Controller {
	t.Helper()
	ctl, err := controller.New(controller.Options{Policy: o.Policy, Site: o.Site, Journal: j, Clock: o.Clock, Logger: o.Logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctl.Close() })
	return ctl
}

// readJournal returns every record of the journal at path.
func readJournal(t *testing.T, path string) []audit.Record {
	t.Helper()
	var out []audit.Record
	if err := audit.ReadAll(path, func(r audit.Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// fakeManager records what the daemon tells its service manager.
type fakeManager struct{ events chan string }

func (f *fakeManager) Ready(status string)          { f.events <- "ready " + status }
func (f *fakeManager) Reloading()                   { f.events <- "reloading" }
func (f *fakeManager) Stopping()                    { f.events <- "stopping" }
func (f *fakeManager) Watchdog()                    { f.events <- "watchdog" }
func (f *fakeManager) WatchdogEvery() time.Duration { return 0 }
