package simulate

import (
	"slices"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/sim"
)

// Series is what the HTML charts draw.
type Series struct {
	Start, End time.Time
	// Summary describes the scenario, one fault a line (scenario.Scenario.Summary).
	Summary string
	// Schedule is the policy's reconcile schedule, as written.
	Schedule string
	// NotReady is the not-Ready count of in-scope pairs: one sample at the
	// start, then one per instant at which it changed.
	NotReady []sim.Sample
	// Applied holds the times of applied actions per kind, in order.
	Applied map[actions.Kind][]time.Time
	Limits  []policy.Limit
	Windows []WindowSpan
	// ConvergedAt is when the site converged (see Report.ConvergedAfter);
	// zero when it did not.
	ConvergedAt time.Time
	// Deferrals are the report's, by rule class; BreakerTrips counts the
	// times the breaker tripped; Records the journal's records.
	Deferrals    map[string]int
	BreakerTrips int
	Records      int
	// The policy's other knobs the advice names.
	MaxServersPerPass int
	Approve           []actions.Kind
	BreakerResetAfter time.Duration
	// NotReadyAtEnd and Failed are the report's.
	NotReadyAtEnd int
	Failed        int
}

// ViewEnd is where the charts' time axis ends: an hour, or a quarter of
// the time it took, after the site converged (whichever is longer), on a
// whole hour, and never past End; End when the site did not converge.
// Nothing changes after convergence, and a day-long axis would squeeze a
// one-hour repair into its first pixels.
func (s Series) ViewEnd() time.Time {
	if s.ConvergedAt.IsZero() {
		return s.End
	}
	took := s.ConvergedAt.Sub(s.Start)
	end := s.ConvergedAt.Add(max(time.Hour, took/4))
	if r := end.Sub(s.Start) % time.Hour; r != 0 {
		end = end.Add(time.Hour - r)
	}
	return minTime(end, s.End)
}

// WindowSpan is a maintenance window and the intervals it was open.
type WindowSpan struct {
	Name        string
	Allow, Deny []actions.Kind
	Open        []Interval
}

// Interval is a half-open time interval [From, To).
type Interval struct{ From, To time.Time }

// windowSpans computes when each window is open within [start, end): from
// each start of its schedule (in its time zone) for its duration, as
// guard.Active decides.
func windowSpans(ws []policy.Window, start, end time.Time) []WindowSpan {
	out := make([]WindowSpan, 0, len(ws))
	for _, w := range ws {
		out = append(out, WindowSpan{Name: w.Name, Allow: w.Allow, Deny: w.Deny, Open: openIntervals(w, start, end)})
	}
	return out
}

func openIntervals(w policy.Window, start, end time.Time) []Interval {
	loc := w.Location
	if loc == nil {
		loc = time.UTC
	}
	var out []Interval
	for s := w.Cron.Next(start.Add(-w.Duration).In(loc)); !s.IsZero() && s.Before(end); s = w.Cron.Next(s) {
		iv := Interval{From: maxTime(s, start), To: minTime(s.Add(w.Duration), end)}
		if !iv.From.Before(iv.To) {
			continue
		}
		if n := len(out); n > 0 && !out[n-1].To.Before(iv.From) {
			out[n-1].To = maxTime(out[n-1].To, iv.To)
			continue
		}
		out = append(out, iv)
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Budget returns the rolling use of a limited kind over the simulation:
// how many of its applied actions count in the trailing window at each
// time, as a step series.
func (s Series) Budget(l policy.Limit) []Point {
	return rolling(s.Applied[l.Kind], l.Per, s.Start, s.End)
}

// PerHour counts the applied actions of each kind per hour from Start to
// ViewEnd; the last bucket may be partial.
func (s Series) PerHour() map[actions.Kind][]int {
	hours := int((s.ViewEnd().Sub(s.Start) + time.Hour - 1) / time.Hour)
	out := map[actions.Kind][]int{}
	for _, k := range actions.Kinds {
		ts := s.Applied[k]
		if len(ts) == 0 {
			continue
		}
		counts := make([]int, max(hours, 1))
		for _, t := range ts {
			h := min(int(t.Sub(s.Start)/time.Hour), len(counts)-1)
			counts[max(h, 0)]++
		}
		out[k] = counts
	}
	return out
}

// kindsApplied lists the kinds with applied actions, in actions.Kinds order.
func (s Series) kindsApplied() []actions.Kind {
	return slices.DeleteFunc(slices.Clone(actions.Kinds), func(k actions.Kind) bool { return len(s.Applied[k]) == 0 })
}
