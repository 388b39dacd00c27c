package guard

import (
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func TestLimiterRollingWindow(t *testing.T) {
	lim := policy.Limit{Kind: actions.DeleteNSSnapshot, Max: 3, Per: time.Hour}
	tests := []struct {
		name   string
		spends []time.Duration // offsets from t0
		at     time.Duration
		want   int // remaining
	}{
		{"fresh", nil, 0, 3},
		{"all inside", []time.Duration{0, 10 * time.Minute, 20 * time.Minute}, 30 * time.Minute, 0},
		{"oldest aged out", []time.Duration{0, 10 * time.Minute, 20 * time.Minute}, time.Hour, 1},
		{"exactly one window old does not count", []time.Duration{0}, time.Hour, 3},
		{"just inside counts", []time.Duration{0}, time.Hour - time.Nanosecond, 2},
		{"clock set back: future spends count", []time.Duration{0, time.Minute, 2 * time.Minute}, -5 * time.Hour, 0},
		{"journal from the future counts", []time.Duration{48 * time.Hour}, 0, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLimiter([]policy.Limit{lim})
			for _, d := range tc.spends {
				l.Record(actions.DeleteNSSnapshot, t0.Add(d))
			}
			if got := l.Remaining(actions.DeleteNSSnapshot, t0.Add(tc.at)); got != tc.want {
				t.Errorf("Remaining = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestLimiterRestartRebuildsBudget(t *testing.T) {
	lim := []policy.Limit{{Kind: actions.DeleteNSSnapshot, Max: 2, Per: time.Hour}}
	first := NewLimiter(lim)
	first.Record(actions.DeleteNSSnapshot, t0)
	first.Record(actions.DeleteNSSnapshot, t0.Add(time.Minute))
	// A restart rebuilds from the same journal records: no fresh budget.
	second := NewLimiter(lim)
	for _, at := range []time.Time{t0, t0.Add(time.Minute)} {
		second.Record(actions.DeleteNSSnapshot, at)
	}
	if got := second.Remaining(actions.DeleteNSSnapshot, t0.Add(2*time.Minute)); got != 0 {
		t.Fatalf("after restart Remaining = %d, want 0", got)
	}
	if got := second.Remaining(actions.DeleteNSSnapshot, t0.Add(60*time.Minute+30*time.Second)); got != 1 {
		t.Fatalf("an hour later Remaining = %d, want 1", got)
	}
}

func TestLimiterExhaustAndUnlimited(t *testing.T) {
	l := NewLimiter([]policy.Limit{{Kind: actions.DeletePSSnapshot, Max: 5, Per: time.Hour}})
	l.Exhaust(actions.DeletePSSnapshot, t0)
	if got := l.Remaining(actions.DeletePSSnapshot, t0); got != 0 {
		t.Errorf("exhausted Remaining = %d, want 0", got)
	}
	if got := l.Remaining(actions.ResendStatus, t0); got != -1 {
		t.Errorf("unlimited kind Remaining = %d, want -1", got)
	}
	l.Record(actions.ResendStatus, t0) // ignored, no panic
	if got := l.Used(actions.ResendStatus, t0); got != 0 {
		t.Errorf("unlimited kind Used = %d, want 0", got)
	}
}
