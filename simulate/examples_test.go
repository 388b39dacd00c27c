package simulate

import (
	"flag"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

var allExamples = flag.Bool("examples", false, "TestExampleScenarios simulates every example but large-estate (a minute or more)")

// ladderBound is the most actions a 7-day run may apply for a server
// whose fault nothing fixes (trust_broken): rung 0 at most an update, a
// grant and a resend (3), rung 1 the reset cycle's two NS changes, two
// updates, a grant and a resend (6), and nothing after the stall: 9,
// rounded up to leave room for one retried chain, whatever the number of
// passes.
const ladderBound = 12

// ladderExample is what an example with a fault of the escalation ladder
// must show at the end.
type ladderExample struct {
	escalations map[string]int // exactly: rung climbed to → count
	stalled     []string
	converged   bool
	bounded     string // the server whose actions must stay within ladderBound
}

// ladderExamples are the examples of the ladder's faults, simulated by
// default, each with exactly the rungs its fault needs.
var ladderExamples = map[string]ladderExample{
	// Reports fail until Procedure 2 clears the files: rung 0 (the status
	// files), Procedure 1, then Procedure 2, which works.
	"status-report-fails": {escalations: map[string]int{"1": 1, "2": 1, "3": 0}, stalled: []string{}, converged: true},
	// The first resend has no effect; Procedure 1 (whose first update has
	// none either) works.
	"remedy-fails-once": {escalations: map[string]int{"1": 1, "2": 0, "3": 0}, stalled: []string{}, converged: true},
	// 1789 persists after the credential remedies (rungs 0 and 1): stalled
	// at once, Procedure 2 never tried.
	// The Agent Connectivity Credential account is locked out (KB
	// 194234): the resend of rung 0 confirms it, then stalled at once with
	// "unlock or renew the account": neither Procedure is tried.
	"credential-locked": {escalations: map[string]int{"1": 0, "2": 0, "3": 1}, stalled: []string{"PS005"}, bounded: "PS005"},
	"trust-broken":      {escalations: map[string]int{"1": 1, "2": 0, "3": 1}, stalled: []string{"PS002"}, bounded: "PS002"},
}

// quickExamples are simulated by default; -examples adds the others but
// large-estate (BenchmarkLargeEstate covers it).
var quickExamples = map[string]bool{"flaky-wan": true}

// TestExampleScenarios parses every scenario of examples/scenarios and
// simulates the quick ones (outside -short) under the policy docs/sim.md
// suggests: each must stay safe, and converge unless it is a ladder
// example that says otherwise; the ladder examples must climb exactly the
// rungs their faults need.
func TestExampleScenarios(t *testing.T) {
	files, err := filepath.Glob("../examples/scenarios/*.json")
	if err != nil || len(files) < 5 {
		t.Fatalf("%d example scenarios (%v), want at least 5", len(files), err)
	}
	pol, err := policy.Load("../examples/policies/sim-policy.hcl")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			sc, err := scenario.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Name != name {
				t.Errorf("scenario name %q, want the file's %q", sc.Name, name)
			}
			lx, ladder := ladderExamples[name]
			if testing.Short() || name == "large-estate" || !(ladder || quickExamples[name] || *allExamples) {
				return
			}
			res, path := run(t, pol, sc)
			checkSafe(t, res.Report)
			if !ladder {
				lx = ladderExample{escalations: res.Report.Escalations, stalled: []string{}, converged: true}
			}
			checkLadder(t, res.Report, lx, path)
		})
	}
}

// checkLadder compares a run's report with what its example must show.
func checkLadder(t *testing.T, r Report, lx ladderExample, journal string) {
	t.Helper()
	if r.Converged != lx.converged {
		t.Errorf("converged %v, want %v (%d pairs not Ready at the end)", r.Converged, lx.converged, r.NotReadyAtEnd)
	}
	if !maps.Equal(r.Escalations, lx.escalations) {
		t.Errorf("escalations %v, want exactly %v", r.Escalations, lx.escalations)
	}
	if !slices.Equal(r.Stalled, lx.stalled) {
		t.Errorf("stalled %v, want %v", r.Stalled, lx.stalled)
	}
	if lx.bounded == "" {
		return
	}
	n := actionsFor(t, journal, lx.bounded)
	t.Logf("%s: %d actions applied for %s in %d passes over %s (bound %d)", r.Scenario, n, lx.bounded, r.Passes, r.Duration, ladderBound)
	if n == 0 || n > ladderBound {
		t.Errorf("%d actions for %s, want 1 to %d", n, lx.bounded, ladderBound)
	}
}

// actionsFor counts the applied actions on server h and the global ones
// (on the NS, which every server feels) in a journal.
func actionsFor(t *testing.T, journal, h string) int {
	n := 0
	for _, rec := range records(t, journal) {
		if rec.Type == audit.TypeOutcome && rec.Outcome == audit.Applied && (rec.Server == h || actions.Kind(rec.Kind).Global()) {
			n++
		}
	}
	return n
}
