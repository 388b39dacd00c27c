package sim

import (
	"fmt"
	"time"

	"github.com/itms-tools/reconciler/site/sim/faults"
)

// cmdbDown reports whether the CMDB is down at t.
func (s *Site) cmdbDown(t time.Time) bool {
	return s.sched.CMDBDown(t.Sub(s.m.Epoch))
}

// reachable reports whether server srv's agent answers at t.
func (s *Site) reachable(srv int, t time.Time) bool {
	return s.sched.Reachable(srv, t.Sub(s.m.Epoch))
}

// advance processes, in time order, every scheduled event due by now,
// each at its own time.
func (s *Site) advance(now time.Time) error {
	for s.m.Done < len(s.sched.Events) {
		ev := s.sched.Events[s.m.Done]
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

func (s *Site) process(ev faults.Event, at time.Time) error {
	switch ev.Kind {
	case faults.CMDBUp:
		return s.deliverQueue()
	case faults.Inject:
		// Faults of time 0 predate the site: their rows are in the CMDB
		// already, even when the CMDB is down from the start.
		s.preexisting = ev.At == 0
		defer func() { s.preexisting = false }()
		return s.inject(ev.Faults, at)
	case faults.DownloadEnd:
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
