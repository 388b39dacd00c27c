package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
)

// demoLimits keeps the NS deletion budget tight, so the tests see it hold.
const demoLimits = `mode = "enforce"
limit "delete_ns_snapshot" {
  max = 1
  per = "1h"
}
`

// demoPolicy writes policy.hcl into dir: the built-in demo scenario under
// dir/site, the journal at dir/audit.jsonl, and extra HCL.
func demoPolicy(t *testing.T, dir, extra string) string {
	t.Helper()
	text := "site \"sim\" {\n  dir      = \"site\"\n  scenario = \"demo\"\n  seed     = 1\n}\n" +
		"credential {\n  mode    = \"acc\"\n  account = \"CORP\\\\svc-itms-acc\"\n}\n" +
		"audit {\n  path = \"audit.jsonl\"\n}\n" + extra
	return writeFile(t, dir, "policy.hcl", text)
}

func TestDemoStatusAndPlanGolden(t *testing.T) {
	dir := t.TempDir()
	p := demoPolicy(t, dir, demoLimits)
	clk := clock.NewFake(t0)
	for _, tc := range []struct {
		golden string
		args   []string
		code   int
	}{
		{"demo/status.txt", []string{"status"}, exitOK},
		{"demo/status.json", []string{"status", "--json"}, exitOK},
		{"demo/plan.txt", []string{"plan", "--detailed-exitcode"}, exitChanges},
		{"demo/plan.json", []string{"plan", "--json"}, exitOK},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			res := runCLI(t, clk, append(tc.args, "--policy", p, "--log-level", "error")...)
			if res.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", res.code, tc.code, res.stderr)
			}
			golden(t, tc.golden, strings.ReplaceAll(res.stdout, dir, "$DIR"))
		})
	}
}

func TestDemoPlanNeedsEveryKind(t *testing.T) {
	p := demoPolicy(t, t.TempDir(), demoLimits)
	res := runCLI(t, clock.NewFake(t0), "plan", "--json", "--policy", p, "--log-level", "error")
	var plan actions.Plan
	if err := json.Unmarshal([]byte(res.stdout), &plan); err != nil {
		t.Fatal(err)
	}
	for k, n := range plan.Counts() {
		if n == 0 {
			t.Errorf("the demo's plan has no %s", k)
		}
	}
}

func TestHealthyEstatePlansNothing(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "policy.hcl", "site \"sim\" {\n  dir = \"site\"\n  scenario = \"healthy\"\n}\n"+
		"credential {\n  mode = \"acc\"\n  account = \"CORP\\\\svc-itms-acc\"\n}\n")
	res := runCLI(t, clock.NewFake(t0), "plan", "--detailed-exitcode", "--policy", p, "--log-level", "error")
	if res.code != exitOK || !strings.Contains(res.stdout, "nothing to do") {
		t.Fatalf("exit %d, stdout %q", res.code, res.stdout)
	}
}

// The demo converges with a few `run --once` passes (its time-based
// faults last minutes: the clock moves past them), within its NS deletion
// limit, and `plan --detailed-exitcode` then exits 0.
func TestDemoConvergesWithRunOnce(t *testing.T) {
	dir := t.TempDir()
	p := demoPolicy(t, dir, demoLimits)
	clk := clock.NewFake(t0)
	args := []string{"--policy", p, "--log-level", "error"}
	passes := 0
	for ; passes < 6; passes++ {
		if res := runCLI(t, clk, append([]string{"plan", "--detailed-exitcode"}, args...)...); res.code == exitOK {
			break
		}
		res := runCLI(t, clk, append([]string{"run", "--once"}, args...)...)
		if res.code != exitOK && !strings.Contains(res.stdout, "CMDB not read") {
			t.Fatalf("run --once: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
		clk.Advance(2 * time.Minute)
	}
	if passes == 6 {
		t.Fatal("not converged after 6 passes")
	}
	t.Logf("converged after %d passes", passes)
	deletions := 0
	for _, r := range readJournal(t, filepath.Join(dir, "audit.jsonl")) {
		if r.Type == audit.TypeIntent && r.Kind == string(actions.DeleteNSSnapshot) {
			deletions++
		}
	}
	if deletions > 1 {
		t.Fatalf("%d NS deletions within an hour, limit 1", deletions)
	}
	clk.Set(t0.Add(5 * time.Minute)) // past the demo's unreachable window
	var st statusJSON
	res := runCLI(t, clk, append([]string{"status", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(res.stdout), &st); err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Servers {
		for _, c := range s.Conditions {
			if c.Status != "True" {
				t.Errorf("%s %s = %s (%s)", s.Name, c.Type, c.Status, c.Message)
			}
		}
	}
}

// In dry-run mode a pass plans and audits, and the site is byte for byte
// unchanged.
func TestDryRunLeavesSiteUnchanged(t *testing.T) {
	dir := t.TempDir()
	p := demoPolicy(t, dir, "mode = \"dry-run\"\n")
	clk := clock.NewFake(t0)
	args := []string{"--policy", p, "--log-level", "error"}
	runCLI(t, clk, append([]string{"status"}, args...)...) // creates the site
	before := treeHash(t, filepath.Join(dir, "site"))
	res := runCLI(t, clk, append([]string{"run", "--once"}, args...)...)
	if res.code != exitOK || !strings.Contains(res.stdout, "skipped") {
		t.Fatalf("run --once: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if after := treeHash(t, filepath.Join(dir, "site")); after != before {
		t.Fatal("dry run changed the site")
	}
	skipped := 0
	for _, r := range readJournal(t, filepath.Join(dir, "audit.jsonl")) {
		if r.Type == audit.TypeIntent {
			t.Fatalf("intent in dry run: %+v", r)
		}
		if r.Outcome == audit.Skipped && r.Rule == "mode dry-run" {
			skipped++
		}
	}
	if skipped == 0 {
		t.Fatal("no skipped outcome recorded")
	}
}

// treeHash hashes every file under root (names and contents), leaving out
// lock files, which opening the site creates.
func treeHash(t *testing.T, root string) string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".lock") {
			return err
		}
		names = append(names, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(n + "\x00"))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// A journal deleted after it existed (its lock file remains) is noticed at
// the next start and recorded, so that its budgets count as spent.
func TestLostJournalIsNoticed(t *testing.T) {
	dir := t.TempDir()
	p := demoPolicy(t, dir, demoLimits)
	clk := clock.NewFake(t0)
	args := []string{"run", "--once", "--policy", p, "--log-level", "error"}
	runCLI(t, clk, args...)
	journal := filepath.Join(dir, "audit.jsonl")
	if err := os.Remove(journal); err != nil {
		t.Fatal(err)
	}
	runCLI(t, clk, args...)
	recs := readJournal(t, journal)
	if len(recs) == 0 || recs[0].Type != audit.TypeStartup || !strings.Contains(string(recs[0].Detail), `"journal_lost":true`) {
		t.Fatalf("first record after the loss: %+v", recs[0])
	}
	// A first start ever (no lock file either) is not a loss.
	fresh := t.TempDir()
	runCLI(t, clk, "run", "--once", "--policy", demoPolicy(t, fresh, demoLimits), "--log-level", "error")
	if first := readJournal(t, filepath.Join(fresh, "audit.jsonl"))[0]; strings.Contains(string(first.Detail), "journal_lost") {
		t.Fatal("a first start taken for a lost journal")
	}
}
