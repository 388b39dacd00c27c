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

// A daily pass in the stretch the clocks skip or repeat, in three zones:
// Paris and New York move by an hour, Lord Howe by 30 minutes. Each local
// day has exactly one pass: the spring day's at the end of the gap, the
// autumn day's at the first occurrence of the repeated time. No schedule
// time is recorded as skipped, and the loop stays up. (robfig/cron/v3
// alone skips the spring day and runs twice on the autumn one: R8-1 and
// R8-2 in RELIABILITY.md, fixed by package schedule.)
func TestScheduleAcrossDaylightSavingChanges(t *testing.T) {
	tests := []struct {
		name, zone, spec string
		start            time.Time
		want             []time.Time
	}{
		{"Paris spring forward", "Europe/Paris", "30 2 * * *", utc("2026-03-27T12:00:00Z"), []time.Time{
			utc("2026-03-28T01:30:00Z"), // 02:30 CET
			utc("2026-03-29T01:00:00Z"), // 02:30 does not exist: 03:00 CEST, the end of the gap
			utc("2026-03-30T00:30:00Z"), // 02:30 CEST
		}},
		{"Paris fall back", "Europe/Paris", "30 2 * * *", utc("2026-10-23T12:00:00Z"), []time.Time{
			utc("2026-10-24T00:30:00Z"), // 02:30 CEST
			utc("2026-10-25T00:30:00Z"), // 02:30 CEST; not again at 02:30 CET
			utc("2026-10-26T01:30:00Z"), // 02:30 CET
		}},
		{"New York spring forward", "America/New_York", "30 2 * * *", utc("2026-03-06T12:00:00Z"), []time.Time{
			utc("2026-03-07T07:30:00Z"), // 02:30 EST
			utc("2026-03-08T07:00:00Z"), // 03:00 EDT, the end of the gap
			utc("2026-03-09T06:30:00Z"), // 02:30 EDT
		}},
		{"New York fall back", "America/New_York", "30 1 * * *", utc("2026-10-30T12:00:00Z"), []time.Time{
			utc("2026-10-31T05:30:00Z"), // 01:30 EDT
			utc("2026-11-01T05:30:00Z"), // 01:30 EDT; not again at 01:30 EST
			utc("2026-11-02T06:30:00Z"), // 01:30 EST
		}},
		{"Lord Howe spring forward", "Australia/Lord_Howe", "15 2 * * *", utc("2026-10-02T12:00:00Z"), []time.Time{
			utc("2026-10-02T15:45:00Z"), // 3 October 02:15 +10:30
			utc("2026-10-03T15:30:00Z"), // 4 October: 02:00 became 02:30 +11, the end of the gap
			utc("2026-10-04T15:15:00Z"), // 5 October 02:15 +11
		}},
		{"Lord Howe fall back", "Australia/Lord_Howe", "45 1 * * *", utc("2026-04-03T12:00:00Z"), []time.Time{
			utc("2026-04-03T14:45:00Z"), // 4 April 01:45 +11
			utc("2026-04-04T14:45:00Z"), // 5 April 01:45 +11; not again at 01:45 +10:30
			utc("2026-04-05T15:15:00Z"), // 6 April 01:45 +10:30
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Skipf("no time zone data: %v", err)
			}
			r := newRig(t, scenario(t, healthyScenario),
				fmt.Sprintf("reconcile {\n schedule = %q\n timezone = %q\n}\n", tt.spec, tt.zone))
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
				days[s.In(loc).Format(time.DateOnly)]++
			}
			if len(days) != len(tt.want) {
				t.Fatalf("passes per local day %v; want one on each of %d days", days, len(tt.want))
			}
		})
	}
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
