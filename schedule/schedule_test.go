package schedule

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no time zone data for %s: %v", name, err)
	}
	return loc
}

func mustParse(t testing.TB, spec string, loc *time.Location) cron.Schedule {
	t.Helper()
	s, err := Parse(spec, loc)
	if err != nil {
		t.Fatalf("parse %q: %v", spec, err)
	}
	return s
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// times returns the schedule's times in [from, to).
func times(s cron.Schedule, from, to time.Time) []time.Time {
	var out []time.Time
	for at := s.Next(from.Add(-time.Second)); !at.IsZero() && at.Before(to); at = s.Next(at) {
		out = append(out, at.UTC())
	}
	return out
}

// The days the clocks change in 2026, in three zones: Paris and New York
// move by an hour (at 02:00 local, and in autumn Paris at 03:00, New York
// at 02:00), Lord Howe by 30 minutes. A daily time in the gap runs once,
// at the end of the gap; one in the repeated stretch runs once, at its
// first occurrence; the days around are untouched.
func TestDailyAcrossClockChanges(t *testing.T) {
	tests := []struct {
		zone, spec string
		from       string
		want       []string // UTC
	}{
		{"Europe/Paris", "30 2 * * *", "2026-03-28T00:00:00Z", []string{
			"2026-03-28T01:30:00Z", // 02:30 CET
			"2026-03-29T01:00:00Z", // 02:30 does not exist: 03:00 CEST, the end of the gap
			"2026-03-30T00:30:00Z", // 02:30 CEST
		}},
		{"Europe/Paris", "30 2 * * *", "2026-10-24T00:00:00Z", []string{
			"2026-10-24T00:30:00Z", // 02:30 CEST
			"2026-10-25T00:30:00Z", // 02:30 CEST; not again at 02:30 CET (01:30Z)
			"2026-10-26T01:30:00Z", // 02:30 CET
		}},
		{"America/New_York", "30 2 * * *", "2026-03-07T00:00:00Z", []string{
			"2026-03-07T07:30:00Z", // 02:30 EST
			"2026-03-08T07:00:00Z", // in the gap: 03:00 EDT
			"2026-03-09T06:30:00Z", // 02:30 EDT
		}},
		{"America/New_York", "30 1 * * *", "2026-10-31T00:00:00Z", []string{
			"2026-10-31T05:30:00Z", // 01:30 EDT
			"2026-11-01T05:30:00Z", // 01:30 EDT; not again at 01:30 EST (06:30Z)
			"2026-11-02T06:30:00Z", // 01:30 EST
		}},
		{"Australia/Lord_Howe", "15 2 * * *", "2026-10-02T12:00:00Z", []string{
			"2026-10-02T15:45:00Z", // 3 October 02:15 +10:30
			"2026-10-03T15:30:00Z", // 4 October: 02:00 +10:30 became 02:30 +11, the end of the gap
			"2026-10-04T15:15:00Z", // 5 October 02:15 +11
		}},
		{"Australia/Lord_Howe", "45 1 * * *", "2026-04-03T12:00:00Z", []string{
			"2026-04-03T14:45:00Z", // 4 April 01:45 +11
			"2026-04-04T14:45:00Z", // 5 April 01:45 +11; not again at 01:45 +10:30 (15:15Z)
			"2026-04-05T15:15:00Z", // 6 April 01:45 +10:30
		}},
		{"Europe/Paris", "*/20 2 * * *", "2026-03-29T00:00:00Z", []string{
			"2026-03-29T01:00:00Z", // 02:00, 02:20, 02:40 all skipped: one run at 03:00 CEST
			"2026-03-30T00:00:00Z", "2026-03-30T00:20:00Z", "2026-03-30T00:40:00Z",
		}},
		{"Europe/Paris", "*/20 2 * * *", "2026-10-25T00:00:00Z", []string{
			"2026-10-25T00:00:00Z", "2026-10-25T00:20:00Z", "2026-10-25T00:40:00Z", // CEST only
			"2026-10-26T01:00:00Z",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.spec+" "+tt.from[:10], func(t *testing.T) {
			s := mustParse(t, tt.spec, zone(t, tt.zone))
			from := utc(tt.from)
			var want []time.Time
			for _, w := range tt.want {
				want = append(want, utc(w))
			}
			got := times(s, from, want[len(want)-1].Add(time.Second))
			if !slices.Equal(got, want) {
				t.Fatalf("times\n %v\nwant\n %v", got, want)
			}
		})
	}
}

// A spec naming every hour keeps its period on the real clock: both
// occurrences of the repeated hour run, and the skipped hour has none.
func TestPeriodicAcrossClockChanges(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	s := mustParse(t, "0 * * * *", paris)
	got := times(s, utc("2026-10-24T23:00:00Z"), utc("2026-10-25T03:00:00Z"))
	want := []time.Time{utc("2026-10-24T23:00:00Z"), utc("2026-10-25T00:00:00Z"), // 01:00, 02:00 CEST
		utc("2026-10-25T01:00:00Z"), utc("2026-10-25T02:00:00Z")} // 02:00, 03:00 CET
	if !slices.Equal(got, want) {
		t.Fatalf("hourly across fall-back: %v, want %v", got, want)
	}
	got = times(s, utc("2026-03-29T00:00:00Z"), utc("2026-03-29T02:00:00Z"))
	want = []time.Time{utc("2026-03-29T00:00:00Z"), utc("2026-03-29T01:00:00Z")} // 01:00 CET, 03:00 CEST
	if !slices.Equal(got, want) {
		t.Fatalf("hourly across spring-forward: %v, want %v", got, want)
	}
}

// zones are the zones the reference test walks, with the transitions
// of 2026 that it checks (a few days around each).
var zones = []struct {
	name string
	days []string
}{
	{"Europe/Paris", []string{"2026-03-29", "2026-10-25"}},
	{"America/New_York", []string{"2026-03-08", "2026-11-01"}},
	{"Australia/Lord_Howe", []string{"2026-04-05", "2026-10-04"}},
	{"America/Havana", []string{"2026-03-08", "2026-11-01"}}, // at midnight
	{"UTC", []string{"2026-06-01"}},
}

var specs = []string{
	"30 2 * * *", "0 2 * * *", "15 2 * * *", "45 1 * * *", "30 1 * * *", "0 0 * * *", "0 3 * * *",
	"*/10 2 * * *", "*/15 1-3 * * *", "0 */2 * * *", "15 1,2,3 * * *", "0 22 * * 1-5", "5 0 * * 0",
	"*/15 * * * *", "0 * * * *", "30 * * * *", "@daily", "@hourly", "* * * * *",
}

// Every spec in every zone, against a reference that knows nothing of
// the algorithm: it walks every minute of real time around each change,
// and for a wall-clock spec every minute of local time.
func TestAgainstMinuteByMinuteReference(t *testing.T) {
	for _, z := range zones {
		loc := zone(t, z.name)
		for _, day := range z.days {
			d := utc(day + "T12:00:00Z")
			from, to := d.Add(-48*time.Hour), d.Add(48*time.Hour)
			ref := newReference(loc, from, to)
			for _, spec := range specs {
				s := mustParse(t, spec, loc)
				want := ref.times(t, spec, from, to)
				got := times(s, from, to)
				if !slices.Equal(got, want) {
					t.Errorf("%s %s around %s:\n got %v\nwant %v", z.name, spec, day, got, want)
				}
			}
		}
	}
}

// reference maps every minute of real time in a range to its local time.
type reference struct {
	loc      *time.Location
	instants []time.Time // every minute, in order
	walls    []time.Time // wallOf each
}

func newReference(loc *time.Location, from, to time.Time) *reference {
	r := &reference{loc: loc}
	for i := from.Add(-30 * time.Hour); i.Before(to.Add(30 * time.Hour)); i = i.Add(time.Minute) {
		r.instants = append(r.instants, i)
		lt := i.In(loc)
		r.walls = append(r.walls, time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), 0, 0, time.UTC))
	}
	return r
}

// matches reports whether local time w (as UTC) matches spec's fields.
func matches(spec *cron.SpecSchedule, w time.Time) bool {
	u := *spec
	u.Location = time.UTC
	return u.Next(w.Add(-time.Second)).Equal(w)
}

func (r *reference) times(t *testing.T, spec string, from, to time.Time) []time.Time {
	parsed, err := parser.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	ss := parsed.(*cron.SpecSchedule)
	var out []time.Time
	if ss.Hour&allHours == allHours { // periodic: every real minute whose clock matches
		for i, at := range r.instants {
			if !at.Before(from) && at.Before(to) && matches(ss, r.walls[i]) {
				out = append(out, at)
			}
		}
		return out
	}
	// wall clock: every local minute that matches, at its first instant or,
	// when no instant shows it, at the first instant showing a later time.
	seen := map[time.Time]bool{}
	lo, hi := r.walls[0], r.walls[len(r.walls)-1]
	j := 0 // the answer's index never decreases as w grows
	for w := lo; w.Before(hi); w = w.Add(time.Minute) {
		for j < len(r.instants) && r.walls[j].Before(w) {
			j++
		}
		if !matches(ss, w) {
			continue
		}
		var at time.Time
		if j < len(r.instants) {
			at = r.instants[j]
		}
		if !at.IsZero() && !at.Before(from) && at.Before(to) && !seen[at] {
			seen[at] = true
			out = append(out, at)
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// Next answers in the location of its argument and is strict.
func TestNextKeepsTheCallersLocationAndIsStrict(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	s := mustParse(t, "0 22 * * *", paris)
	ny := zone(t, "America/New_York")
	at := s.Next(utc("2026-11-24T12:00:00Z").In(ny))
	if at.Location() != ny || !at.Equal(utc("2026-11-24T21:00:00Z")) {
		t.Fatalf("Next = %v", at)
	}
	if again := s.Next(at); !again.Equal(utc("2026-11-25T21:00:00Z")) {
		t.Fatalf("Next(Next) = %v", again)
	}
	every := mustParse(t, "@every 90s", paris)
	if got := every.Next(utc("2026-11-24T12:00:00Z")); !got.Equal(utc("2026-11-24T12:01:30Z")) {
		t.Fatalf("@every: %v", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, spec := range []string{"", "61 * * * *", "* * *", "@fortnightly"} {
		if _, err := Parse(spec, time.UTC); err == nil {
			t.Errorf("Parse(%q): no error", spec)
		}
	}
}

// The same reference run on robfig/cron's own schedule: the faults this
// package exists for (a skipped and a doubled daily run).
func TestCronItselfSkipsAndDoubles(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	raw, err := parser.Parse("30 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	raw.(*cron.SpecSchedule).Location = paris
	perDay := func(s cron.Schedule, from, to time.Time) map[string]int {
		n := map[string]int{}
		for _, at := range times(s, from, to) {
			n[at.In(paris).Format(time.DateOnly)]++
		}
		return n
	}
	spring := perDay(raw, utc("2026-03-28T00:00:00Z"), utc("2026-03-31T00:00:00Z"))
	fall := perDay(raw, utc("2026-10-24T00:00:00Z"), utc("2026-10-27T00:00:00Z"))
	if spring["2026-03-29"] != 0 || fall["2026-10-25"] != 2 {
		t.Fatalf("robfig/cron changed: %v %v; revisit the package comment", spring, fall)
	}
	z := mustParse(t, "30 2 * * *", paris)
	spring = perDay(z, utc("2026-03-28T00:00:00Z"), utc("2026-03-31T00:00:00Z"))
	fall = perDay(z, utc("2026-10-24T00:00:00Z"), utc("2026-10-27T00:00:00Z"))
	if fmt.Sprint(spring) != "map[2026-03-28:1 2026-03-29:1 2026-03-30:1]" ||
		fmt.Sprint(fall) != "map[2026-10-24:1 2026-10-25:1 2026-10-26:1]" {
		t.Fatalf("one run per local day: spring %v, fall %v", spring, fall)
	}
}

func BenchmarkNext(b *testing.B) {
	paris := zone(b, "Europe/Paris")
	for _, spec := range []string{"30 2 * * *", "*/10 * * * *"} {
		s := mustParse(b, spec, paris)
		b.Run(spec, func(b *testing.B) {
			at := utc("2026-01-01T00:00:00Z")
			for b.Loop() {
				at = s.Next(at)
			}
		})
	}
}
