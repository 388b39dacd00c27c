package apply

import (
	"context"
	"errors"
	"github.com/itms-tools/reconciler/actions"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/failure"
)

// An intent the journal refuses as too large fails that action, without
// running it, and the actions after it on its server; the other servers'
// actions run and the pass does not stop (before, the first such intent
// stopped every pass at its first action).
func TestUnrecordableIntentFailsOnlyThatAction(t *testing.T) {
	p := fivePlan(t)
	var big actions.Action
	for _, a := range p.Actions {
		if a.Kind == actions.DeletePSSnapshot && a.Target.Server == "PS003" {
			big = a
		}
	}
	if big.ID == "" {
		t.Fatal("no delete_ps_snapshot on PS003 in the plan")
	}
	d := &fakeDriver{}
	rec := &fakeRecorder{tooLarge: map[string]bool{big.ID: true}}
	res, err := newExec(d, &fakeGates{}, rec, 2).Run(context.Background(), "pass-1", p)
	if err != nil {
		t.Fatalf("the pass stopped: %v", err)
	}
	sr := res.Steps[big.ID]
	if sr.Outcome != actions.Failed || sr.Err == nil || !errors.Is(sr.Err, ErrUnrecordable) ||
		!strings.Contains(sr.Err.Error(), "not run: its intent could not be recorded") {
		t.Fatalf("the unrecordable action: %+v", sr)
	}
	if c, _ := failure.Classify(sr.Err); c != failure.Terminal {
		t.Errorf("an unrecordable action is %v, want terminal (the same plan gives the same record)", c)
	}
	if res.Failures["PS003"] == nil {
		t.Error("PS003's failure is not reported")
	}
	for _, id := range d.applied {
		if id == big.ID {
			t.Fatal("the action ran without its intent recorded")
		}
	}
	for _, a := range p.Actions {
		o := res.Steps[a.ID].Outcome
		switch {
		case a.ID == big.ID:
		case a.Target.Server == "PS003":
			if o == actions.Applied {
				t.Errorf("%s applied on PS003 after the unrecordable action", a.ID)
			}
		case o != actions.Applied:
			t.Errorf("%s: %s, want applied (servers other than PS003 are unaffected)", a.ID, o)
		}
	}
	if got := rec.outcomes()[big.ID]; !strings.HasPrefix(got, "failed ") {
		t.Errorf("the unrecordable action's outcome record: %q", got)
	}
	if len(res.Touched(p)) != 4 {
		t.Errorf("touched %v, want the four other servers", res.Touched(p))
	}
}
