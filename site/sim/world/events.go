package world

import (
	"fmt"
	"time"

	"github.com/itms-tools/reconciler/site/sim/faults"
)

// CMDBDown reports whether the CMDB is down at t.
func (w *World) CMDBDown(t time.Time) bool {
	return w.Sched.CMDBDown(t.Sub(w.Meta.Epoch))
}

// Reachable reports whether server srv's agent answers at t.
func (w *World) Reachable(srv int, t time.Time) bool {
	return w.Sched.Reachable(srv, t.Sub(w.Meta.Epoch))
}

// Advance processes, in time order, every scheduled event due by now,
// each at its own time, and calls done after each with the event's time
// (the driver samples its timelines there).
func (w *World) Advance(now time.Time, done func(at time.Time) error) error {
	for w.Meta.Done < len(w.Sched.Events) {
		ev := w.Sched.Events[w.Meta.Done]
		at := w.Meta.Epoch.Add(ev.At)
		if at.After(now) {
			return nil
		}
		if err := w.process(ev, at); err != nil {
			return fmt.Errorf("event at %s: %w", ev.At, err)
		}
		w.Meta.Done++
		if err := done(at); err != nil {
			return err
		}
	}
	return nil
}

func (w *World) process(ev faults.Event, at time.Time) error {
	switch ev.Kind {
	case faults.CMDBUp:
		return w.deliverQueue()
	case faults.Inject:
		// Faults of time 0 predate the site: their rows are in the CMDB
		// already, even when the CMDB is down from the start.
		w.preexisting = ev.At == 0
		defer func() { w.preexisting = false }()
		return w.inject(ev.Faults, at)
	case faults.DownloadEnd:
		return w.downloadEnd(w.Meta.Faults[ev.Faults[0]], at)
	}
	return fmt.Errorf("unknown event kind %d", ev.Kind)
}

// deliverQueue hands the reports made while the CMDB was down to it, in
// the order they were made.
func (w *World) deliverQueue() error {
	for len(w.Meta.Queue) > 0 {
		if err := w.Store.WriteRows(w.Meta.Queue[0]); err != nil {
			return err
		}
		w.Meta.Queue = w.Meta.Queue[1:]
	}
	w.Meta.Queue = nil
	return nil
}

// rowsOut delivers a batch of row changes to the CMDB, or queues it while
// the CMDB is down.
func (w *World) rowsOut(rw RowWrite) error {
	if !w.preexisting && w.CMDBDown(rw.At) {
		w.Meta.Queue = append(w.Meta.Queue, rw)
		return nil
	}
	return w.Store.WriteRows(rw)
}
