package guard

import (
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
)

func TestOldestSpend(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	l := NewLimiter([]policy.Limit{{Kind: actions.DeleteNSSnapshot, Max: 3, Per: time.Hour}})
	if _, ok := l.OldestSpend(actions.DeleteNSSnapshot, t0); ok {
		t.Fatal("oldest spend before any spend")
	}
	if _, ok := l.OldestSpend(actions.GrantACL, t0); ok {
		t.Fatal("oldest spend of an unlimited kind")
	}
	l.Record(actions.DeleteNSSnapshot, t0.Add(20*time.Minute))
	l.Record(actions.DeleteNSSnapshot, t0.Add(10*time.Minute))
	l.Record(actions.DeleteNSSnapshot, t0.Add(40*time.Minute))
	tests := []struct {
		now  time.Time
		want time.Time
		ok   bool
	}{
		{t0.Add(45 * time.Minute), t0.Add(10 * time.Minute), true},
		{t0.Add(75 * time.Minute), t0.Add(20 * time.Minute), true}, // the 10-minute spend no longer counts
		{t0.Add(101 * time.Minute), time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := l.OldestSpend(actions.DeleteNSSnapshot, tt.now)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("at %s: %v %v, want %v %v", tt.now.Format("15:04"), got, ok, tt.want, tt.ok)
		}
	}
}
