package guard

import (
	"testing"
	"time"
)

func TestBreaker(t *testing.T) {
	type obs struct {
		at       time.Duration
		notReady int
		acted    bool
		want     Transition
		open     bool
	}
	tests := []struct {
		name       string
		resetAfter time.Duration
		steps      []obs
	}{
		{"shrinking never trips", time.Hour, []obs{
			{0, 10, false, Transition{}, false},
			{time.Minute, 5, true, Transition{}, false},
			{2 * time.Minute, 0, true, Transition{}, false},
		}},
		{"growth without acting does not trip", time.Hour, []obs{
			{0, 10, false, Transition{}, false},
			{time.Minute, 20, false, Transition{}, false},
		}},
		{"growth after acting trips, then resets after quiet hour", time.Hour, []obs{
			{0, 10, false, Transition{}, false},
			{time.Minute, 12, true, Transition{Tripped: true, Reason: "not-Ready pairs grew from 10 to 12 after a pass that acted"}, true},
			{30 * time.Minute, 15, false, Transition{}, true},
			{89 * time.Minute, 15, false, Transition{}, true},
			{90 * time.Minute, 15, false, Transition{Closed: true, Reason: "no growth of not-Ready pairs for 1h0m0s"}, false},
		}},
		{"manual reset only", 0, []obs{
			{0, 1, false, Transition{}, false},
			{time.Minute, 2, true, Transition{Tripped: true, Reason: "not-Ready pairs grew from 1 to 2 after a pass that acted"}, true},
			{48 * time.Hour, 2, false, Transition{}, true},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBreaker(tc.resetAfter)
			for i, s := range tc.steps {
				got := b.Observe(t0.Add(s.at), s.notReady, s.acted)
				if got != s.want {
					t.Fatalf("step %d: Observe = %+v, want %+v", i, got, s.want)
				}
				if b.State().Open != s.open {
					t.Fatalf("step %d: open = %v, want %v", i, b.State().Open, s.open)
				}
			}
		})
	}
}

func TestBreakerManualResetAndRestore(t *testing.T) {
	b := NewBreaker(0)
	b.Trip(t0, "restored from journal")
	if st := b.State(); !st.Open || st.Reason != "restored from journal" || !st.Since.Equal(t0) {
		t.Fatalf("State after Trip = %+v", st)
	}
	b.Reset()
	if b.State().Open {
		t.Fatal("still open after Reset")
	}
}

func TestApprovals(t *testing.T) {
	a := NewApprovals(24 * time.Hour)
	id := "set_credential_mode:NS:acc"
	if a.Approved(id, t0) {
		t.Fatal("approved before approval")
	}
	a.Approve(t0, id)
	tests := []struct {
		at   time.Duration
		want bool
	}{{0, true}, {23 * time.Hour, true}, {24 * time.Hour, false}, {-time.Hour, true}, {-25 * time.Hour, false}}
	for _, tc := range tests {
		if got := a.Approved(id, t0.Add(tc.at)); got != tc.want {
			t.Errorf("Approved at %s = %v, want %v", tc.at, got, tc.want)
		}
	}
	a.Consume(id)
	if a.Approved(id, t0) {
		t.Fatal("approval still live after Consume")
	}
}
