package simulate

import (
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/policy"
)

func TestShortAndThousands(t *testing.T) {
	for d, want := range map[time.Duration]string{8 * time.Hour: "8h", 90 * time.Minute: "1h30m", 45 * time.Minute: "45m",
		90 * time.Second: "1m30s", 30 * time.Second: "30s", 0: "0s"} {
		if got := short(d); got != want {
			t.Errorf("short(%v) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 119600: "119,600", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestAdviceCap: a limit whose budget sat at its cap most of the repair
// is named with the run's figures, and what twice the cap would give.
func TestAdviceCap(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var applied []time.Time
	for h := range 8 { // 300 an hour for 8 hours
		for i := range 300 {
			applied = append(applied, start.Add(time.Duration(h)*time.Hour+time.Duration(i)*time.Second))
		}
	}
	l := policy.Limit{Kind: "delete_ps_snapshot", Max: 300, Per: time.Hour}
	s := Series{Start: start, End: start.Add(24 * time.Hour), ConvergedAt: start.Add(8*time.Hour + 5*time.Minute),
		Applied: map[actions.Kind][]time.Time{l.Kind: applied}, Limits: []policy.Limit{l}, Deferrals: map[string]int{"limit": 2200}}
	adv := strings.Join(s.Advice(), "\n")
	for _, want := range []string{"delete_ps_snapshot was at its cap (300 per 1h) for ", "its 2,400 applied actions span about 7h at this cap",
		"600 per 1h would take about 3h"} {
		if !strings.Contains(adv, want) {
			t.Errorf("advice lacks %q:\n%s", want, adv)
		}
	}
}

func TestAdviceQuietAndNotConverged(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	s := Series{Start: start, End: start.Add(24 * time.Hour), ConvergedAt: start.Add(25 * time.Minute), Schedule: "*/5 * * * *",
		Deferrals: map[string]int{}}
	if adv := s.Advice(); len(adv) != 1 || adv[0] != "Nothing held the repair back: the site converged after 25m, at the pace of the schedule (*/5 * * * *)." {
		t.Errorf("quiet: %q", adv)
	}
	s.ConvergedAt, s.NotReadyAtEnd, s.Failed = time.Time{}, 12, 3
	s.Deferrals = map[string]int{"breaker": 40, "approval": 2}
	s.BreakerTrips, s.BreakerResetAfter = 1, time.Hour
	adv := strings.Join(s.Advice(), "\n")
	for _, want := range []string{"The circuit breaker tripped once", "held 40 actions", "breaker_reset_after (1h)",
		"2 actions waited for approval", "did not converge within 24h: 12 pairs not Ready at the end. 3 actions failed"} {
		if !strings.Contains(adv, want) {
			t.Errorf("advice lacks %q:\n%s", want, adv)
		}
	}
}

// TestViewEnd: the charts' time axis ends an hour (or a quarter of the
// time it took) after convergence, on a whole hour, never past the end.
func TestViewEnd(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ converged, end, want time.Duration }{
		{25 * time.Minute, 24 * time.Hour, 2 * time.Hour},
		{7 * time.Hour, 24 * time.Hour, 9 * time.Hour},
		{8*time.Hour + 5*time.Minute, 24 * time.Hour, 11 * time.Hour},
		{17 * time.Hour, 20 * time.Hour, 20 * time.Hour},
		{-1, 24 * time.Hour, 24 * time.Hour},
	} {
		s := Series{Start: start, End: start.Add(tc.end)}
		if tc.converged >= 0 {
			s.ConvergedAt = start.Add(tc.converged)
		}
		if got := s.ViewEnd().Sub(start); got != tc.want {
			t.Errorf("converged %v of %v: view ends at %v, want %v", tc.converged, tc.end, got, tc.want)
		}
	}
	s := Series{Start: start, End: start.Add(24 * time.Hour), ConvergedAt: start.Add(25 * time.Minute)}
	if n := s.viewNote(); n != " The time axis ends at 2h, after the site converged (at 25m); nothing changes from then to the end of the run (24h)." {
		t.Errorf("viewNote = %q", n)
	}
}

// TestProgress: nothing while the run is short on the wall clock, then a
// line at each tenth of the virtual time reached.
func TestProgress(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	wall := clock.NewFake(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	var b strings.Builder
	p := &Progress{W: &b, Wall: wall, After: 2 * time.Second, Start: start, End: start.Add(10 * time.Hour)}
	p.Update(start.Add(90 * time.Minute)) // 15%, at 0s of wall time: quiet
	wall.Advance(3 * time.Second)
	p.Update(start.Add(150 * time.Minute)) // 25%
	p.Update(start.Add(160 * time.Minute)) // still 20–30%: quiet
	p.Update(start.Add(9*time.Hour + 30*time.Minute))
	want := "sim: 20% (2h30m of 10h virtual time), 3s so far\nsim: 90% (9h30m of 10h virtual time), 3s so far\n"
	if b.String() != want {
		t.Errorf("progress:\n%s\nwant:\n%s", b.String(), want)
	}
}
