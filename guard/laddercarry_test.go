package guard

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
)

// TestLadderCarryRoundTrip: a ladder carried through JSON (a segment
// record) and loaded is the ladder it was, stalls, attempts, pauses and
// pending verifications included; loading replaces, never merges.
func TestLadderCarryRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	l := NewLadder(2*time.Minute, time.Minute, time.Hour)
	l.Intent("PS001", actions.LadderUse{Rung: 0, Evidence: "e1", Pairs: 3})
	l.Applied("PS001", "resend_status:PS001", actions.ResendStatus, t0)
	l.Verify("PS001", Verification{Result: NotEffective, Rung: 0, Next: actions.RungStalled, Evidence: "e1",
		Stalled: "the ladder is exhausted"}, t0.Add(2*time.Minute))
	l.Intent("PS002", actions.LadderUse{Rung: 1, Evidence: "e2", Pairs: 1})
	l.Applied("PS002", "resend_status:PS002", actions.ResendStatus, t0)
	l.Pause("PS003", Hold{By: "alice", Since: t0, Reason: "change window"})
	l.Pause("", Hold{By: "bob", Since: t0})

	b, err := json.Marshal(l.Carry())
	if err != nil {
		t.Fatal(err)
	}
	var c LadderCarry
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	got := NewLadder(2*time.Minute, time.Minute, time.Hour)
	got.Intent("PS009", actions.LadderUse{Evidence: "other"}) // replaced by the load
	got.Load(&c)
	if !reflect.DeepEqual(got.Steps(), l.Steps()) || !reflect.DeepEqual(got.Holds(), l.Holds()) ||
		!reflect.DeepEqual(got.Pending(), l.Pending()) || !reflect.DeepEqual(got.Stalled(), l.Stalled()) {
		t.Errorf("loaded ladder\n steps %v paused %v pending %v\nwant\n steps %v paused %v pending %v",
			got.Steps(), got.Holds(), got.Pending(), l.Steps(), l.Holds(), l.Pending())
	}
	if got.Stalled()["PS001"] == "" || len(got.Pending()) != 1 {
		t.Errorf("stalled %v pending %v: want PS001 stalled and PS002 pending", got.Stalled(), got.Pending())
	}
	if NewLadder(0, 0, 0).Carry() != nil {
		t.Error("an empty ladder carries something")
	}
}
