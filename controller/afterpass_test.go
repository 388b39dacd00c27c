package controller

import (
	"testing"

	"github.com/itms-tools/reconciler/audit"
)

// TestAfterPassSeesTheRecordedPass: the hook runs once per pass, after the
// pass_end record, with the pass's result and the report of its
// observation in place.
func TestAfterPassSeesTheRecordedPass(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "")
	var got []PassResult
	var lastType audit.Type
	r.ctl.after = func(res PassResult) {
		got = append(got, res)
		recs := r.records()
		lastType = recs[len(recs)-1].Type
		if r.ctl.Report() == nil {
			t.Error("no report when the hook runs")
		}
	}
	first := r.pass()
	r.pass()
	if len(got) != 2 || got[0].ID != first.ID || got[0].Plan.ID != first.Plan.ID {
		t.Fatalf("hook saw %d passes (%+v), want 2 starting with %s", len(got), got, first.ID)
	}
	if lastType != audit.TypePassEnd {
		t.Errorf("last record when the hook ran: %s, want pass_end", lastType)
	}
}
