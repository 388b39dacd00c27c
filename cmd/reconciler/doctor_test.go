package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/doctor"
)

// TestDoctorOnTheDemo pins `reconciler doctor` on the simulated demo: at
// its start PS005 is unreachable (a failure: exit 1, and what to do);
// once its window is over every check passes but the policy's warning
// (exit 0). It changes nothing: the journal is not created.
func TestDoctorOnTheDemo(t *testing.T) {
	dir := t.TempDir()
	p := demoPolicy(t, dir, demoLimits+"http {\n  listen = \"\"\n}\n")
	clk := clock.NewFake(t0)
	res := runCLI(t, clk, "doctor", "--policy", p)
	if res.code != exitOK || !strings.Contains(res.stdout, "the simulated site does not exist yet") {
		t.Errorf("before the site exists: exit %d\n%s", res.code, res.stdout)
	}
	runCLI(t, clk, "status", "--policy", p, "--log-level", "error") // creates the site
	res = runCLI(t, clk, "doctor", "--policy", p)
	if res.code != exitError {
		t.Errorf("PS005 unreachable: exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
	}
	// The columns' widths depend on the temporary folder's name: the
	// golden file keeps two spaces between them.
	golden(t, "doctor/demo.txt", regexp.MustCompile(`  +`).ReplaceAllString(strings.ReplaceAll(res.stdout, dir, "$DIR"), "  "))
	if exists(filepath.Join(dir, "audit.jsonl")) {
		t.Error("doctor created the journal")
	}
	clk.Advance(5 * time.Minute)
	res = runCLI(t, clk, "doctor", "--policy", p, "--json")
	var rep doctor.Report
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil || res.code != exitOK || !rep.OK || rep.Counts[doctor.Fail] != 0 {
		t.Errorf("after PS005's window: exit %d, %v\n%s", res.code, err, res.stdout)
	}
	bad := writeFile(t, dir, "bad.hcl", "reconcile { schedul = \"@hourly\" }\n")
	res = runCLI(t, clk, "doctor", "--policy", bad)
	if res.code != exitError || !strings.Contains(res.stdout, "FAIL") || !strings.Contains(res.stdout, "reconciler policy check") {
		t.Errorf("invalid policy: exit %d\n%s", res.code, res.stdout)
	}
}
