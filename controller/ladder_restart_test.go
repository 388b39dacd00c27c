package controller

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/guard"
)

// ladderScenario is a site whose PS002 reports of two packages fail until
// Procedure 2 clears their files: it needs rungs 0, 1 and 2.
const ladderScenario = `{"name": "ladder", "seed": 3, "servers": 3, "packages": 4,
	"credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
	"faults": [{"kind": "status_report_fails", "servers": ["PS002"], "packages": 2}]}`

// ladderWalk runs passes a minute apart for 40 virtual minutes, restarting
// the controller (rebuilding it from the journal) before each pass when
// restart is set. It returns what each pass applied, the rungs of the
// intents in journal order and the verification results.
func ladderWalk(t *testing.T, restart bool) (plans []string, rungs []actions.Rung, verdicts []string) {
	r := newRig(t, scenario(t, ladderScenario), "")
	for range 40 {
		if restart {
			r.restart()
		}
		res := r.pass()
		var applied []string
		for _, a := range res.Plan.Actions {
			if res.Exec.Steps[a.ID].Outcome == actions.Applied {
				applied = append(applied, a.ID)
			}
		}
		if len(applied) > 0 {
			plans = append(plans, r.clk.Now().Sub(t0).String()+": "+strings.Join(applied, " "))
		}
		r.clk.Advance(time.Minute)
	}
	r.verifyJournal()
	for _, rec := range r.records() {
		switch rec.Type {
		case audit.TypeIntent:
			var u actions.LadderUse
			if rec.Kind == string(actions.ResendStatus) && json.Unmarshal(rec.Detail, &u) == nil && u.Evidence != "" {
				rungs = append(rungs, u.Rung)
			}
		case audit.TypeVerification:
			var v guard.Verification
			if err := json.Unmarshal(rec.Detail, &v); err != nil {
				t.Fatal(err)
			}
			verdicts = append(verdicts, fmt.Sprintf("%s rung %d → %d", v.Result, v.Rung, v.Next))
		}
	}
	return plans, rungs, verdicts
}

// TestLadderSurvivesRestarts walks rungs 0 → 1 → 2 on a server whose
// reports keep failing, once in one process and once restarting the
// controller before every pass: the plans must be identical, so no rung
// is skipped or repeated because of a restart.
func TestLadderSurvivesRestarts(t *testing.T) {
	plans, rungs, verdicts := ladderWalk(t, false)
	wantRungs := []actions.Rung{actions.RungEvidence, actions.RungProcedure1, actions.RungProcedure2}
	if !slices.Equal(rungs, wantRungs) {
		t.Fatalf("resend rungs %v, want %v\nplans:\n  %s", rungs, wantRungs, strings.Join(plans, "\n  "))
	}
	wantVerdicts := []string{"not_effective rung 0 → 1", "not_effective rung 1 → 2", "verified rung 2 → 0"}
	if !slices.Equal(verdicts, wantVerdicts) {
		t.Errorf("verifications %q, want %q", verdicts, wantVerdicts)
	}
	rPlans, rRungs, rVerdicts := ladderWalk(t, true)
	if !slices.Equal(rPlans, plans) {
		t.Errorf("plans with a restart before every pass:\n  %s\nwithout:\n  %s", strings.Join(rPlans, "\n  "), strings.Join(plans, "\n  "))
	}
	if !slices.Equal(rRungs, rungs) || !slices.Equal(rVerdicts, verdicts) {
		t.Errorf("with restarts: rungs %v verifications %q; without: %v %q", rRungs, rVerdicts, rungs, verdicts)
	}
	t.Logf("plans:\n  %s", strings.Join(plans, "\n  "))
}
