package controller

import (
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
)

// TestStalledLadderOutlivesRetention: a server stalled by a broken trust
// stays stalled after the journal rotated at every pass and retention
// removed the segments holding its verifications, across a restart:
// every new segment carries the ladder (CarriedState.Ladder).
func TestStalledLadderOutlivesRetention(t *testing.T) {
	r := newRig(t, scenario(t, `{"name": "trust", "seed": 3, "servers": 3, "packages": 4,
		"credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
		"faults": [{"kind": "trust_broken", "servers": ["PS002"]}]}`), "")
	for range 40 {
		r.pass()
		r.clk.Advance(time.Minute)
	}
	if why := r.ctl.Ladder().Stalled()["PS002"]; why == "" {
		t.Fatalf("PS002 not stalled after 40 passes: %v", r.ctl.Ladder().Steps())
	}
	r.rotateAlways()
	r.reopenWith(rotating, false)
	for range 3 {
		r.clk.Advance(25 * time.Hour) // past every window: retention may remove the old segments
		if n := applied(r.pass()); n != 0 {
			t.Fatalf("a pass after the stall applied %d actions", n)
		}
	}
	if recs := r.records(); hasType(recs, audit.TypeVerification) || !hasType(recs, audit.TypeRetention) {
		t.Fatal("the verification records are still there: retention did not remove their segments")
	}
	r.reopenWith(rotating, false)
	if why := r.ctl.Ladder().Stalled()["PS002"]; why == "" {
		t.Fatalf("after retention and a restart PS002 is no longer stalled: %v", r.ctl.Ladder().Steps())
	}
	if n := applied(r.pass()); n != 0 {
		t.Errorf("after retention and a restart a pass applied %d actions on a stalled server", n)
	}
	r.verifyJournal()
}

func applied(res PassResult) int {
	n := 0
	for _, a := range res.Plan.Actions {
		if res.Exec.Steps[a.ID].Outcome == actions.Applied {
			n++
		}
	}
	return n
}
