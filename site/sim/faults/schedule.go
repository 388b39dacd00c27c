package faults

import (
	"cmp"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/site/sim/scenario"
)

// EventKind orders the events due at one instant: the CMDB comes back
// (delivering queued reports) before anything new is reported.
type EventKind uint8

// The kinds of scheduled events.
const (
	// CMDBUp: a cmdb_down window ends; the reports queued meanwhile reach
	// the CMDB.
	CMDBUp EventKind = iota
	// Inject: faults start.
	Inject
	// DownloadEnd: a downloading fault's window ends.
	DownloadEnd
)

// Event is one scheduled change, at an offset from the site's epoch.
type Event struct {
	At     time.Duration
	Kind   EventKind
	Faults []int // indices into the resolved faults: injected together, or the download that ends
}

// window is a half-open interval [From, End) of offsets from the epoch.
type window struct{ From, End time.Duration }

func (w window) contains(d time.Duration) bool { return w.From <= d && d < w.End }

// Schedule is a site's fault timetable, derived from its resolved faults:
// the events in the order they happen, and the windows in which the CMDB
// or a server does not answer. It is immutable.
type Schedule struct {
	// Events is every event, in time order (then by kind, then fault).
	Events  []Event
	down    []window         // CMDB down, merged and sorted
	unreach map[int][]window // per server
}

// NewSchedule derives the timetable of resolved faults.
func NewSchedule(faults []Fault) Schedule {
	sc := Schedule{unreach: map[int][]window{}}
	inject := map[time.Duration][]int{}
	var down []window
	for i, f := range faults {
		w := window{f.From, f.End}
		switch f.Kind {
		case scenario.CMDBDown:
			if w.End > w.From {
				down = append(down, w)
			}
		case scenario.Unreachable:
			for _, s := range f.Servers {
				sc.unreach[s] = append(sc.unreach[s], w)
			}
		default:
			inject[f.From] = append(inject[f.From], i)
		}
		if f.Kind == scenario.Downloading {
			sc.Events = append(sc.Events, Event{At: max(f.End, f.From), Kind: DownloadEnd, Faults: []int{i}})
		}
	}
	for at, idx := range inject {
		sc.Events = append(sc.Events, Event{At: at, Kind: Inject, Faults: idx})
	}
	sc.down = mergeWindows(down)
	for _, w := range sc.down {
		sc.Events = append(sc.Events, Event{At: w.End, Kind: CMDBUp})
	}
	slices.SortFunc(sc.Events, func(a, b Event) int {
		return cmp.Or(cmp.Compare(a.At, b.At), cmp.Compare(a.Kind, b.Kind), cmp.Compare(first(a.Faults), first(b.Faults)))
	})
	return sc
}

func first(xs []int) int {
	if len(xs) == 0 {
		return -1
	}
	return xs[0]
}

func mergeWindows(ws []window) []window {
	slices.SortFunc(ws, func(a, b window) int { return cmp.Compare(a.From, b.From) })
	var out []window
	for _, w := range ws {
		if n := len(out); n > 0 && w.From <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, w.End)
			continue
		}
		out = append(out, w)
	}
	return out
}

// CMDBDown reports whether the CMDB is down at an offset from the epoch.
func (s Schedule) CMDBDown(d time.Duration) bool {
	return slices.ContainsFunc(s.down, func(w window) bool { return w.contains(d) })
}

// Reachable reports whether server srv's agent answers at an offset from
// the epoch.
func (s Schedule) Reachable(srv int, d time.Duration) bool {
	return !slices.ContainsFunc(s.unreach[srv], func(w window) bool { return w.contains(d) })
}
