package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/inbox"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// t0 is the fake clock's start in command tests.
var t0 = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)

// testActor is the actor of journal records written by tests.
var testActor = audit.Actor{Host: "adminbox", User: `CORP\svc-reconciler`, PID: 4242}

// cmdResult is what one in-process run of the CLI gave.
type cmdResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs `reconciler args...` in-process with buffers for output, no
// terminal and clk as the clock.
func runCLI(t *testing.T, clk clock.Clock, args ...string) cmdResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" },
		isTerminal: func(io.Writer) bool { return false }, clock: clk}
	code := run(context.Background(), e, args)
	return cmdResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// stuckScenario is a small simulated estate whose one fault, a stuck
// credential, makes a plan with the reset cycle's two set_credential_mode
// actions.
const stuckScenario = `{"name": "stuck", "seed": 7, "servers": 3, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "duration": "1h",
  "faults": [{"kind": "credential_stuck", "servers": ["PS002"]}]}`

// simPolicy writes policy.hcl into dir: a simulated site under dir/site
// seeded with stuckScenario, its credential, the journal at
// dir/audit.jsonl, and extra HCL lines. It returns the policy's path.
func simPolicy(t *testing.T, dir, extra string) string {
	t.Helper()
	writeFile(t, dir, "stuck.json", stuckScenario)
	text := "site \"sim\" {\n  dir      = \"site\"\n  scenario = \"stuck.json\"\n}\n" +
		"credential {\n  mode    = \"acc\"\n  account = \"CORP\\\\svc-itms-acc\"\n}\n" +
		"audit {\n  path = \"audit.jsonl\"\n}\n" + extra
	return writeFile(t, dir, "policy.hcl", text)
}

// readJournal returns every record of the journal at path.
func readJournal(t *testing.T, path string) []audit.Record {
	t.Helper()
	var out []audit.Record
	if err := audit.ReadAll(path, func(r audit.Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatalf("read journal: %v", err)
	}
	return out
}

// openTestJournal opens (and so locks) the journal at path with a fixed
// actor and clk.
func openTestJournal(t *testing.T, path string, clk clock.Clock) *audit.Journal {
	t.Helper()
	j, err := audit.Open(path, audit.Options{Clock: clk, Actor: testActor})
	if err != nil {
		t.Fatalf("open journal: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// appendAll appends recs, advancing clk by step before each.
func appendAll(t *testing.T, j *audit.Journal, clk *clock.Fake, step time.Duration, recs ...audit.Record) {
	t.Helper()
	for _, r := range recs {
		clk.Advance(step)
		if _, err := j.Append(r); err != nil {
			t.Fatalf("append %s: %v", r.Type, err)
		}
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update to accept):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// testSession opens the policy's site as a command would, with clk; it is
// closed when the test ends.
func testSession(t *testing.T, policyPath string, clk clock.Clock) *session {
	t.Helper()
	var stderr bytes.Buffer
	e := &env{stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" },
		isTerminal: func(io.Writer) bool { return false }, clock: clk}
	s, code := open(context.Background(), e, &common{policyPath: policyPath, logLevel: "error"})
	if s == nil {
		t.Fatalf("open site: exit %d: %s", code, stderr.String())
	}
	t.Cleanup(s.close)
	return s
}

// daemonController is the controller of a daemon that holds j (nil: a
// controller that only reads the journal): what picks up requests from the
// inbox. Its gates are restored from the journal.
func daemonController(t *testing.T, policyPath string, j controller.Journal, clk clock.Clock) *controller.Controller {
	t.Helper()
	s := testSession(t, policyPath, clk)
	ctl, err := s.controller(j, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.Restore(s.pol.Audit.Path); err != nil {
		t.Fatal(err)
	}
	return ctl
}

// inboxFiles lists the request files waiting in the inbox of journal.
func inboxFiles(t *testing.T, journal string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(inbox.Dir(journal), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}
