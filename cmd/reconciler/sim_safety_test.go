package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/audit"
)

// TestSimSafetyCases runs `reconciler sim` on every case of
// testdata/safety (scenario.json, policy.hcl) and checks the report
// against the case's expect.json (every member it names, nested maps
// member by member), the report's safety figures, and the reset cycle's
// invariant in the journal. The cases reproduce the ways the reset cycle
// got past a gate or ran for nothing, the smaller plans of the credential
// rows, and the server forgotten after a credential change.
func TestSimSafetyCases(t *testing.T) {
	dirs, err := filepath.Glob("testdata/safety/*")
	if err != nil || len(dirs) < 9 {
		t.Fatalf("%d safety cases (%v), want at least 9", len(dirs), err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			checkSimCase(t, filepath.Join(dir, "scenario.json"), filepath.Join(dir, "policy.hcl"),
				readString(t, filepath.Join(dir, "expect.json")))
		})
	}
}

// TestSimNSSnapshotStorm is the storm under a cap of 5 NS deletions an
// hour (12 stale NS snapshots on 200 servers): one update_configuration
// per server, after the last batch (once per batch per server, 600, before
// the rule that a server's file remedies wait for every NS snapshot they
// depend on), and the rows Ready no later than before.
func TestSimNSSnapshotStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("8,000 pairs over 12 virtual hours")
	}
	checkSimCase(t, "../../examples/scenarios/ns-snapshot-storm.json", "../../examples/policies/ns-deletion-cap.hcl",
		`{"converged": true, "converged_after": "2h5m0s", "desired_state_holds": true,
		  "actions": {"update_configuration": 200, "delete_ns_snapshot": 12, "run_package_refresh": 3,
		              "delete_ps_snapshot": 2400, "resend_status": 200}}`)
}

func checkSimCase(t *testing.T, scenario, policy, expect string) {
	t.Helper()
	journal := filepath.Join(t.TempDir(), "sim.jsonl")
	out := runCLI(t, nil, "sim", "--scenario", scenario, "--policy", policy, "--audit", journal)
	if out.code != exitOK {
		t.Fatalf("exit %d: %s", out.code, out.stderr)
	}
	got := simReport(t, out.stdout)
	var want map[string]any
	if err := json.Unmarshal([]byte(expect), &want); err != nil {
		t.Fatalf("expect: %v", err)
	}
	for _, diff := range partialDiff("", want, got) {
		t.Error(diff)
	}
	for k, v := range map[string]any{"limit_violations": 0.0, "unsafe_paths_touched": 0.0, "audit_chain_valid": true} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	checkCyclesWhole(t, readJournal(t, journal))
}

// partialDiff lists the members of want that got lacks or holds another
// value for; nested objects are compared member by member.
func partialDiff(at string, want, got map[string]any) []string {
	var out []string
	for k, w := range want {
		g, ok := got[k]
		wm, wIsMap := w.(map[string]any)
		gm, gIsMap := g.(map[string]any)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s%s missing", at, k))
		case wIsMap && gIsMap:
			out = append(out, partialDiff(at+k+".", wm, gm)...)
		case !reflect.DeepEqual(w, g):
			out = append(out, fmt.Sprintf("%s%s = %v, want %v", at, k, g, w))
		}
	}
	return out
}

// checkCyclesWhole asserts, from the journal, that no pass changed the NS
// to anonymous for nothing: a pass that applied round 1 also applied a
// stuck server's first update and round 2.
func checkCyclesWhole(t *testing.T, recs []audit.Record) {
	t.Helper()
	applied := map[string]map[string]bool{} // pass → applied action ids
	for _, r := range recs {
		if r.Type == audit.TypeOutcome && r.Outcome == audit.Applied {
			if applied[r.Pass] == nil {
				applied[r.Pass] = map[string]bool{}
			}
			applied[r.Pass][r.Action] = true
		}
	}
	for pass, ids := range applied {
		if !ids["set_credential_mode:NS:anonymous#1"] {
			continue
		}
		var first, second bool
		for id := range ids {
			first = first || strings.HasPrefix(id, "update_configuration:") && strings.HasSuffix(id, "#1")
			second = second || strings.HasPrefix(id, "set_credential_mode:NS:") && strings.HasSuffix(id, "#2")
		}
		if !first || !second {
			t.Errorf("pass %s set the NS to anonymous with a stuck server's update %t and round 2 %t", pass, first, second)
		}
	}
}

// The limit that makes the reset cycle impossible is warned about.
func TestPolicyCheckWarnsOfAnImpossibleCycle(t *testing.T) {
	path := "testdata/safety/cycle-limit-1/policy.hcl"
	out := runCLI(t, nil, "policy", "check", path)
	want := path + ": warning: limit set_credential_mode 1/24h0m0s: the credential reset cycle needs 2 set_credential_mode"
	if out.code != exitOK || !strings.Contains(out.stderr, want) {
		t.Fatalf("exit %d, stderr %q; want 0 and %q", out.code, out.stderr, want)
	}
	if out := runCLI(t, nil, "policy", "check", "testdata/safety/cycle-deny-window/policy.hcl"); strings.Contains(out.stderr, "warning") {
		t.Errorf("warning without a limit: %q", out.stderr)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
