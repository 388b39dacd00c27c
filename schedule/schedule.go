// Package schedule parses the cron specs of the policy (robfig/cron/v3's
// five fields and descriptors) and binds them to a time zone, with one
// rule for the days the zone's clocks change, which cron itself gets
// wrong: it skips a fixed time that falls in a spring-forward gap and
// fires twice at one in the repeated hour of a fall-back.
//
// The rule depends on whether the spec names every hour of the day:
//
//   - A spec with fixed hours ("30 2 * * *", "0 */2 * * *", "@daily") is a
//     wall-clock schedule: each of its local times runs exactly once. A
//     time the clocks skip runs at the end of the gap (the instant the
//     clocks jump, 03:00 CEST for 02:30 in Paris); several skipped times
//     run there once. A time the clocks show twice runs at its first
//     occurrence only.
//   - A spec that covers every hour ("*/10 * * * *", "@hourly") is
//     periodic: it runs at every instant whose local clock matches, so the
//     repeated hour is served like any other hour (both occurrences are
//     real time) and a skipped hour has nothing to run.
//
// @every schedules count elapsed time and are left as cron makes them.
//
// It owns no clock and makes no decision beyond the instants of a schedule.
package schedule

import (
	"time"

	"github.com/robfig/cron/v3"
)

// parser accepts the five classic fields (minute hour day-of-month month
// day-of-week) and descriptors such as @hourly and @every 5m.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse parses spec and binds it to loc (nil means UTC). The schedule's
// Next gives the same instants whatever the location of the time passed
// to it.
func Parse(spec string, loc *time.Location) (cron.Schedule, error) {
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, err
	}
	if ss, ok := s.(*cron.SpecSchedule); ok {
		return InZone(ss, loc), nil
	}
	return s, nil
}

// allHours is the bit set of a spec's hour field naming every hour.
const allHours = 1<<24 - 1

// Zoned is a cron spec bound to a time zone, normalised at clock changes
// as the package comment says.
type Zoned struct {
	wall     *cron.SpecSchedule // the spec's fields, enumerating wall-clock times as UTC
	loc      *time.Location
	periodic bool // every hour named: serve each instant the clock matches
}

// InZone binds s's fields to loc (nil means UTC); s's own Location is
// ignored and s is not modified.
func InZone(s *cron.SpecSchedule, loc *time.Location) *Zoned {
	if loc == nil {
		loc = time.UTC
	}
	w := *s
	w.Location = time.UTC
	return &Zoned{wall: &w, loc: loc, periodic: s.Hour&allHours == allHours}
}

// Location returns the time zone the schedule is bound to.
func (z *Zoned) Location() *time.Location { return z.loc }

// Next returns the first time of the schedule strictly after t, in t's
// location, or the zero time when there is none within cron's five years.
func (z *Zoned) Next(t time.Time) time.Time {
	var at time.Time
	if z.periodic {
		at = z.nextPeriodic(t)
	} else {
		at = z.nextWall(t)
	}
	if at.IsZero() {
		return at
	}
	return at.In(t.Location())
}

// maxSteps bounds the wall times nextWall looks at before one lands after
// t: only the times of a repeated hour (at most a few hundred for a spec
// with every minute) land at or before it.
const maxSteps = 10_000

// nextWall serves each local time of the schedule once, at resolve's
// instant. resolve is monotonic in the wall time and resolve(wall(t)) <= t,
// so the answer is the first wall time after t's that resolves after t.
func (z *Zoned) nextWall(t time.Time) time.Time {
	w := wallOf(t.In(z.loc))
	for range maxSteps {
		w = z.wall.Next(w)
		if w.IsZero() {
			return w
		}
		if at := resolve(w, z.loc); at.After(t) {
			return at
		}
	}
	return time.Time{}
}

// maxSegments bounds the zone offsets nextPeriodic walks through: two a
// year where daylight saving is kept, over cron's five-year horizon.
const maxSegments = 64

// nextPeriodic walks t's zone segment (a stretch of one UTC offset) and
// the ones after it: in each, wall time and instant differ by the offset,
// so the first matching wall time that still falls inside is the answer.
func (z *Zoned) nextPeriodic(t time.Time) time.Time {
	lt := t.In(z.loc)
	from := wallOf(lt)
	for range maxSegments {
		_, off := lt.Zone()
		_, end := lt.ZoneBounds()
		w := z.wall.Next(from)
		if w.IsZero() {
			return w
		}
		at := w.Add(-time.Duration(off) * time.Second)
		if end.IsZero() || at.Before(end) {
			return at
		}
		lt = end.In(z.loc)
		from = wallOf(lt).Add(-time.Nanosecond) // Next is strict: include the segment's first second
	}
	return time.Time{}
}

// resolve returns the first instant at which loc's clocks show the wall
// time w (given as a UTC time with the local fields), or, for a time the
// clocks skip, the instant they skip it: the end of the gap.
func resolve(w time.Time, loc *time.Location) time.Time {
	// No zone is more than 14 hours from UTC: the first instant that can
	// show w is after w-15h.
	lt := w.Add(-15 * time.Hour).In(loc)
	for range 16 {
		_, off := lt.Zone()
		start, end := lt.ZoneBounds()
		at := w.Add(-time.Duration(off) * time.Second)
		if !start.IsZero() && at.Before(start) {
			return start // the clocks jumped from before w to after it at start
		}
		if end.IsZero() || at.Before(end) {
			return at
		}
		lt = end.In(loc)
	}
	// Sixteen offset changes within 29 hours: no zone has that many.
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc)
}

// wallOf returns t's local date and time as a UTC time, where cron's
// arithmetic meets no clock change.
func wallOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}
