package sim

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/site/sim/scenario"
)

// eventKind orders the events due at one instant: the CMDB comes back
// (delivering queued reports) before anything new is reported.
type eventKind uint8

const (
	evCMDBUp eventKind = iota
	evInject
	evDownloadEnd
)

// event is one scheduled change, at an offset from the site's epoch.
type event struct {
	At     time.Duration
	Kind   eventKind
	Faults []int // indices into meta.Faults: injected together, or the download that ends
}

// window is a half-open interval [From, End) of offsets from the epoch.
type window struct{ From, End time.Duration }

func (w window) contains(d time.Duration) bool { return w.From <= d && d < w.End }

// schedule is a site's fault timetable, derived from its planned faults.
type schedule struct {
	events  []event
	down    []window         // CMDB down, merged and sorted
	unreach map[int][]window // per server
}

func newSchedule(faults []plannedFault) schedule {
	sc := schedule{unreach: map[int][]window{}}
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
			sc.events = append(sc.events, event{At: max(f.End, f.From), Kind: evDownloadEnd, Faults: []int{i}})
		}
	}
	for at, idx := range inject {
		sc.events = append(sc.events, event{At: at, Kind: evInject, Faults: idx})
	}
	sc.down = mergeWindows(down)
	for _, w := range sc.down {
		sc.events = append(sc.events, event{At: w.End, Kind: evCMDBUp})
	}
	slices.SortFunc(sc.events, func(a, b event) int {
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

// cmdbDown reports whether the CMDB is down at t.
func (s *Site) cmdbDown(t time.Time) bool {
	d := t.Sub(s.m.Epoch)
	return slices.ContainsFunc(s.sched.down, func(w window) bool { return w.contains(d) })
}

// reachable reports whether server srv's agent answers at t.
func (s *Site) reachable(srv int, t time.Time) bool {
	d := t.Sub(s.m.Epoch)
	return !slices.ContainsFunc(s.sched.unreach[srv], func(w window) bool { return w.contains(d) })
}

// advance processes, in time order, every scheduled event due by now,
// each at its own time.
func (s *Site) advance(now time.Time) error {
	for s.m.Done < len(s.sched.events) {
		ev := s.sched.events[s.m.Done]
		at := s.m.Epoch.Add(ev.At)
		if at.After(now) {
			return nil
		}
		if err := s.process(ev, at); err != nil {
			return fmt.Errorf("event at %s: %w", ev.At, err)
		}
		s.m.Done++
		s.desired.eventDone()
		if err := s.sample(at); err != nil {
			return err
		}
	}
	return nil
}

func (s *Site) process(ev event, at time.Time) error {
	switch ev.Kind {
	case evCMDBUp:
		return s.deliverQueue()
	case evInject:
		// Faults of time 0 predate the site: their rows are in the CMDB
		// already, even when the CMDB is down from the start.
		s.preexisting = ev.At == 0
		defer func() { s.preexisting = false }()
		return s.inject(ev.Faults, at)
	case evDownloadEnd:
		return s.downloadEnd(s.m.Faults[ev.Faults[0]], at)
	}
	return fmt.Errorf("unknown event kind %d", ev.Kind)
}

// deliverQueue hands the reports made while the CMDB was down to it, in
// the order they were made.
func (s *Site) deliverQueue() error {
	for len(s.m.Queue) > 0 {
		if err := s.st.writeRows(s.m.Queue[0]); err != nil {
			return err
		}
		s.m.Queue = s.m.Queue[1:]
	}
	s.m.Queue = nil
	return nil
}

// rowsOut delivers a batch of row changes to the CMDB, or queues it while
// the CMDB is down.
func (s *Site) rowsOut(w rowWrite) error {
	if !s.preexisting && s.cmdbDown(w.At) {
		s.m.Queue = append(s.m.Queue, w)
		return nil
	}
	return s.st.writeRows(w)
}
