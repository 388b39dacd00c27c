package simulate

import (
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
)

// TestDeletionCapPacesAStaleNSStorm: 100 stale NS snapshots under a cap of
// 20 per hour take five hourly batches (0h05 … 4h05), so convergence
// comes no sooner than 4 h and no later than 5 h plus two schedule
// intervals, and no hour holds more than 20 deletions.
func TestDeletionCapPacesAStaleNSStorm(t *testing.T) {
	pol := parsePolicy(t, everyFive+"limit \"delete_ns_snapshot\" {\n  max = 20\n  per = \"1h\"\n}\n")
	sc := parseScenario(t, `{"name": "ns-storm", "seed": 3, "servers": 3, "packages": 120,
		"credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "duration": "6h",
		"faults": [{"kind": "stale_ns_snapshot", "count": 1, "packages": 100}]}`)
	res, path := run(t, pol, sc)
	r := res.Report
	checkSafe(t, r)
	if !r.Converged {
		t.Fatalf("not converged: %d not Ready at the end", r.NotReadyAtEnd)
	}
	if got, lo, hi := after(t, r), 4*time.Hour, 5*time.Hour+2*5*time.Minute; got < lo || got > hi {
		t.Errorf("converged after %v, want within [%v, %v]", got, lo, hi)
	}
	if got := r.MaxInWindow[string(actions.DeleteNSSnapshot)]; got != 20 {
		t.Errorf("max_in_window.delete_ns_snapshot = %d, want 20", got)
	}
	if got := r.Actions[string(actions.DeleteNSSnapshot)]; got != 100 {
		t.Errorf("%d delete_ns_snapshot applied, want 100", got)
	}
	if r.Deferrals["limit"] == 0 {
		t.Error("no deferral by the limit recorded")
	}
	// The batches: 20 deletions at each of five times an hour apart.
	batches := map[time.Duration]int{}
	for _, rec := range records(t, path) {
		if rec.Type == audit.TypeOutcome && rec.Outcome == audit.Applied && rec.Kind == string(actions.DeleteNSSnapshot) {
			batches[rec.Time.Sub(res.Series.Start)]++
		}
	}
	for _, at := range []time.Duration{5 * time.Minute, 65 * time.Minute, 125 * time.Minute, 185 * time.Minute, 245 * time.Minute} {
		if batches[at] != 20 {
			t.Errorf("deletions by time %v, want 20 at each of 5m, 1h5m, 2h5m, 3h5m, 4h5m", batches)
			break
		}
	}
}

// TestWindowMath checks the rolling-window helpers on hand-made times.
func TestWindowMath(t *testing.T) {
	t0 := DefaultStart
	at := func(ms ...int) []time.Time {
		var out []time.Time
		for _, m := range ms {
			out = append(out, t0.Add(time.Duration(m)*time.Minute))
		}
		return out
	}
	tests := []struct {
		name     string
		ts       []time.Time
		per      time.Duration
		max      int
		wantMax  int
		wantOver int
	}{
		{name: "none", per: time.Hour, max: 2},
		{name: "one batch at cap", ts: at(5, 5, 5), per: time.Hour, max: 3, wantMax: 3},
		{name: "batches an hour apart", ts: at(5, 5, 65, 65), per: time.Hour, max: 2, wantMax: 2},
		{name: "a minute too early", ts: at(5, 5, 64), per: time.Hour, max: 2, wantMax: 3, wantOver: 1},
		{name: "over in one batch", ts: at(0, 0, 0, 0), per: time.Hour, max: 2, wantMax: 4, wantOver: 2},
		{name: "daily window", ts: at(0, 600, 1200, 1439, 1440), per: 24 * time.Hour, max: 4, wantMax: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maxInWindow(tt.ts, tt.per); got != tt.wantMax {
				t.Errorf("maxInWindow = %d, want %d", got, tt.wantMax)
			}
			if got := overCap(tt.ts, tt.max, tt.per); got != tt.wantOver {
				t.Errorf("overCap = %d, want %d", got, tt.wantOver)
			}
		})
	}
}

// TestRolling checks the budget series: each action counts from its time
// until one window later.
func TestRolling(t *testing.T) {
	t0 := DefaultStart
	m := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	got := rolling([]time.Time{m(5), m(5), m(30), m(65)}, time.Hour, t0, m(180))
	want := []Point{{m(0), 0}, {m(5), 2}, {m(30), 3}, {m(65), 2}, {m(90), 1}, {m(125), 0}}
	if len(got) != len(want) {
		t.Fatalf("rolling = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].At.Equal(want[i].At) || got[i].Value != want[i].Value {
			t.Fatalf("rolling = %v, want %v", got, want)
		}
	}
}
