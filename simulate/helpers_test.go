package simulate

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// basePolicy is the policy of the tests: enforce, a pass every five
// minutes, no limit; extra HCL is appended.
const basePolicy = `
mode = "enforce"
site "sim" {
  dir = "unused"
}
credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}
`

const everyFive = "reconcile {\n  schedule = \"*/5 * * * *\"\n}\n"

func parsePolicy(t testing.TB, extra string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(basePolicy+extra), filepath.Join(t.TempDir(), "policy.hcl"))
	if err != nil {
		t.Fatalf("policy: %v", err)
	}
	return p
}

func parseScenario(t testing.TB, js string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse("test.json", []byte(js))
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	return sc
}

// run simulates and returns the result and the journal's path.
func run(t testing.TB, pol *policy.Policy, sc *scenario.Scenario) (Result, string) {
	t.Helper()
	path, cleanup, err := TempJournal()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	res, err := Run(context.Background(), Options{Policy: pol, Scenario: sc, AuditPath: path})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res, path
}

// records reads a journal back.
func records(t testing.TB, path string) []audit.Record {
	t.Helper()
	var out []audit.Record
	if err := audit.ReadAll(path, func(r audit.Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkSafe fails unless the report shows no violation, no unsafe path and
// an intact journal.
func checkSafe(t testing.TB, r Report) {
	t.Helper()
	if r.LimitViolations != 0 || r.UnsafePathsTouched != 0 || !r.AuditChainValid {
		t.Errorf("limit_violations %d, unsafe_paths_touched %d, audit_chain_valid %v; want 0, 0, true",
			r.LimitViolations, r.UnsafePathsTouched, r.AuditChainValid)
	}
}

// after is the report's converged_after as a duration; -1 when null.
func after(t testing.TB, r Report) time.Duration {
	t.Helper()
	if r.ConvergedAfter == nil {
		return -1
	}
	d, err := time.ParseDuration(*r.ConvergedAfter)
	if err != nil {
		t.Fatalf("converged_after %q: %v", *r.ConvergedAfter, err)
	}
	return d
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s--- want\n%s", path, got, want)
	}
}
