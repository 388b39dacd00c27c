package notify

// enqueueLocked queues m. A full queue drops the oldest message of the
// lowest severity, counting m itself: m is dropped only when everything
// queued weighs more. The caller holds n.mu.
func (w *worker) enqueueLocked(m Message) {
	if len(w.queue) < w.r.Config.Queue {
		w.queue = append(w.queue, &m)
		w.wakeUp()
		return
	}
	victim := -1 // -1: m itself
	for i, q := range w.queue {
		if q.Severity() <= m.Severity() && (victim < 0 || q.Severity() < w.queue[victim].Severity()) {
			victim = i
		}
	}
	if victim < 0 {
		w.n.rec.add(w.delivery(m, Dropped, 0, errQueueFull))
		return
	}
	w.n.rec.add(w.delivery(*w.queue[victim], Dropped, 0, errQueueFull))
	copy(w.queue[victim:], w.queue[victim+1:])
	w.queue[len(w.queue)-1] = &m
	w.wakeUp()
}

// supersedeLocked removes the queued, not yet sent firing message of
// incident key and reports whether it found one: the incident resolved
// before anyone was told, so neither message is sent.
func (w *worker) supersedeLocked(key string) bool {
	for i, q := range w.queue {
		if q.Status == Firing && q.Event.DedupeKey() == key {
			w.n.rec.add(w.delivery(*q, Superseded, 0, nil))
			w.queue = append(w.queue[:i:i], w.queue[i+1:]...)
			return true
		}
	}
	return false
}

// retireLocked stops w: its queue, and the message it is working on, go
// to next (a new worker for the same receiver) or are dropped when next
// is nil. The caller holds n.mu.
func (w *worker) retireLocked(next *worker) {
	w.successor = next
	w.retired = true
	w.cancel()
	for _, m := range w.queue {
		w.handOffLocked(*m)
	}
	w.queue = nil
}

// handOffLocked passes m to the successor, or drops it.
func (w *worker) handOffLocked(m Message) {
	if w.successor != nil {
		w.successor.enqueueLocked(m)
		return
	}
	w.n.rec.add(w.delivery(m, Dropped, 0, errStopped))
}
