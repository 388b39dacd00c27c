package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/itms-tools/reconciler/clock"
)

var updatePlanGolden = flag.Bool("update-plan", false, "rewrite testdata/plan golden files")

// TestPlanMarksEveryWait: with the reset cycle held for approval, `plan`
// marks every action that will not run, held ones with their rule and the
// others with the held action they wait for; --json holds the same.
func TestPlanMarksEveryWait(t *testing.T) {
	dir := t.TempDir()
	pol := simPolicy(t, dir, "mode = \"enforce\"\napprove = [\"set_credential_mode\"]\n")
	clk := clock.NewFake(t0)
	out := runCLI(t, clk, "plan", "--policy", pol, "--log-level", "error")
	if out.code != exitOK {
		t.Fatalf("exit %d: %s", out.code, out.stderr)
	}
	golden := filepath.Join("testdata", "plan", "approval.txt")
	if *updatePlanGolden {
		if err := os.WriteFile(golden, []byte(out.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := readString(t, golden); out.stdout != want {
		t.Errorf("plan differs from %s (run with -update-plan to accept):\n%s", golden, out.stdout)
	}
	js := runCLI(t, clk, "plan", "--json", "--policy", pol, "--log-level", "error")
	var p struct {
		Actions []struct{ ID string } `json:"actions"`
		Held    map[string]struct{ Rule string }
	}
	if err := json.Unmarshal([]byte(js.stdout), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Held) != len(p.Actions) {
		t.Errorf("%d of %d actions held in --json; want all (everything waits for the cycle)", len(p.Held), len(p.Actions))
	}
}
