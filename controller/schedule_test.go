package controller

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/itms-tools/reconciler/audit"
)

// Reliability test 8: scheduler edges on a fake clock. A pass that panics
// and a pass longer than the interval are TestLoopSurvivesAPanickingPass
// and TestLoopSkipsScheduleTimesDuringALongPass; these add daylight saving
// changes in the policy's time zone and clock jumps.

const healthyScenario = `{"name": "healthy", "seed": 1, "servers": 2, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "faults": []}`

// skipNotes returns the skipped_passes counts of the journal's skip notes.
func (r *rig) skipNotes() []int {
	var out []int
	for _, rec := range r.records() {
		if rec.Type != audit.TypeNote {
			continue
		}
		var d struct {
			Skipped int `json:"skipped_passes"`
		}
		if json.Unmarshal(rec.Detail, &d) == nil && d.Skipped > 0 {
			out = append(out, d.Skipped)
		}
	}
	return out
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// A daily pass at 02:30 Europe/Paris across both changes of 2026. 02:30 does
// not exist on 29 March (02:00 CET becomes 03:00 CEST) and exists twice on
// 25 October (03:00 CEST becomes 02:00 CET). robfig/cron/v3 skips the first
// and fires at both of the second. Every schedule time it gives runs
// exactly once, none is recorded as skipped, and the loop stays up. The
// calendar view (one pass per local day) is checked too: the spring day
// has none and the autumn day two, known gaps R8-1 and R8-2 in
// RELIABILITY.md.
func TestScheduleAcrossDaylightSavingChanges(t *testing.T) {
	tests := []struct {
		name  string
		start time.Time
		want  []time.Time
	}{
		{"spring forward", utc("2026-03-27T12:00:00Z"), []time.Time{
			utc("2026-03-28T01:30:00Z"), // 02:30 CET
			utc("2026-03-30T00:30:00Z"), // 02:30 CEST; none on the 29th
			utc("2026-03-31T00:30:00Z"),
		}},
		{"fall back", utc("2026-10-23T12:00:00Z"), []time.Time{
			utc("2026-10-24T00:30:00Z"), // 02:30 CEST
			utc("2026-10-25T00:30:00Z"), // 02:30 CEST, first time
			utc("2026-10-25T01:30:00Z"), // 02:30 CET, the repeated hour
			utc("2026-10-26T01:30:00Z"),
		}},
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, scenario(t, healthyScenario),
				"reconcile {\n schedule = \"30 2 * * *\"\n timezone = \"Europe/Paris\"\n}\n")
			r.clk.Set(tt.start)
			l := r.startLoop()
			var wakes []time.Time
			for range tt.want {
				wakes = append(wakes, l.step().UTC())
			}
			l.stop()
			if fmt.Sprint(wakes) != fmt.Sprint(tt.want) {
				t.Fatalf("wakes\n %v\nwant\n %v", wakes, tt.want)
			}
			starts := r.passStarts()
			if len(starts) != len(tt.want) {
				t.Fatalf("%d passes for %d schedule times", len(starts), len(tt.want))
			}
			if n := r.skipNotes(); len(n) != 0 {
				t.Fatalf("skip notes %v; no schedule time went by unserved", n)
			}
			days := map[string]int{}
			for _, s := range starts {
				days[s.In(paris).Format("2006-01-02")]++
			}
			for d := tt.start.In(paris); !d.After(tt.want[len(tt.want)-1]); d = d.AddDate(0, 0, 1) {
				day := d.Format("2006-01-02")
				if d.Equal(tt.start.In(paris)) {
					continue // before the first 02:30
				}
				switch n := days[day]; {
				case n == 0:
					knownGap(t, "R8-1", fmt.Sprintf("local day %s has no daily pass and no skip record", day))
				case n > 1:
					knownGap(t, "R8-2", fmt.Sprintf("local day %s has %d daily passes, want 1", day, n))
				}
			}
		})
	}
}

// knownGap logs a known, reported gap, or fails with -reliability.strict.
func knownGap(t *testing.T, id, msg string) {
	t.Helper()
	if *strict {
		t.Error(msg)
		return
	}
	t.Logf("known gap %s (see RELIABILITY.md; -reliability.strict fails): %s", id, msg)
}

// A machine suspended for 3 hours: when it resumes, the schedule time it
// slept through first runs once, late; the 17 after it that went by are
// recorded once, in one note and in reconciler_passes_total{result=
// "skipped"}; the schedule then goes on from the new time.
func TestScheduleAfterAClockJumpForward(t *testing.T) {
	r := newRig(t, scenario(t, healthyScenario), "reconcile {\n schedule = \"*/10 * * * *\"\n}\n")
	l := r.startLoop()
	if w := l.step(); !w.Equal(t0.Add(10 * time.Minute)) {
		t.Fatalf("first wake %v", w)
	}
	r.clk.WaitForTimers(1)
	created := r.clk.Created()
	r.clk.Advance(3 * time.Hour) // suspended at 10:10, resumed at 13:10
	r.clk.WaitForCreated(created + 1)
	next := l.step()
	l.stop()
	starts := r.passStarts()
	want := []time.Time{t0.Add(10 * time.Minute), t0.Add(3*time.Hour + 10*time.Minute), t0.Add(3*time.Hour + 20*time.Minute)}
	if fmt.Sprint(starts) != fmt.Sprint(want) || !next.Equal(want[2]) {
		t.Fatalf("passes at %v (next wake %v), want %v", starts, next, want)
	}
	// 10:20 ran late at 13:10; 10:30 … 13:10 went by: 17 schedule times.
	if n := r.skipNotes(); fmt.Sprint(n) != "[17]" {
		t.Fatalf("skip notes %v, want one note of 17", n)
	}
	if got := testutil.ToFloat64(r.ctl.metrics.passes.WithLabelValues("skipped")); got != 17 {
		t.Fatalf("passes_total{result=skipped} = %v, want 17", got)
	}
}

// The clock set back an hour (an NTP correction) while the loop sleeps:
// the hour's schedule times are not served twice, nothing is recorded as
// skipped, and the next pass runs at the schedule time it was waiting for.
func TestScheduleAfterAClockJumpBack(t *testing.T) {
	r := newRig(t, scenario(t, healthyScenario), "reconcile {\n schedule = \"*/10 * * * *\"\n}\n")
	l := r.startLoop()
	l.step() // 10:10
	l.step() // 10:20
	r.clk.WaitForTimers(1)
	r.clk.Set(t0.Add(-40 * time.Minute)) // 09:20
	if w := l.step(); !w.Equal(t0.Add(30 * time.Minute)) {
		t.Fatalf("after the clock went back the loop woke at %v, want 10:30", w)
	}
	l.step()
	l.stop()
	want := []time.Time{t0.Add(10 * time.Minute), t0.Add(20 * time.Minute), t0.Add(30 * time.Minute), t0.Add(40 * time.Minute)}
	if starts := r.passStarts(); fmt.Sprint(starts) != fmt.Sprint(want) {
		t.Fatalf("passes at %v, want %v", starts, want)
	}
	if n := r.skipNotes(); len(n) != 0 {
		t.Fatalf("skip notes %v after a clock set back", n)
	}
}
