package notify

import (
	"log/slog"
	"maps"
	"sync"
)

// maxPending bounds the outcomes waiting for the journal; beyond it they
// are logged and counted only.
const maxPending = 10_000

// recorder writes delivery outcomes to the journal and the log on its own
// goroutine, so that neither Notify nor a worker waits for an fsync.
type recorder struct {
	journal Journal
	log     *slog.Logger

	mu      sync.Mutex
	pending []Delivery
	counts  map[string]map[Outcome]int
	lost    int
	closing bool
	wake    chan struct{}
	done    chan struct{}
}

func newRecorder(j Journal, log *slog.Logger) *recorder {
	r := &recorder{journal: j, log: log, counts: map[string]map[Outcome]int{},
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	go r.run()
	return r
}

// add queues one outcome; it never blocks.
func (r *recorder) add(d Delivery) {
	r.mu.Lock()
	if r.counts[d.Receiver] == nil {
		r.counts[d.Receiver] = map[Outcome]int{}
	}
	r.counts[d.Receiver][d.Outcome]++
	if len(r.pending) >= maxPending {
		r.lost++
	} else {
		r.pending = append(r.pending, d)
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *recorder) run() {
	defer close(r.done)
	for {
		r.mu.Lock()
		batch, lost, closing := r.pending, r.lost, r.closing
		r.pending, r.lost = nil, 0
		r.mu.Unlock()
		for _, d := range batch {
			r.write(d)
		}
		if lost > 0 {
			r.log.Error("notification outcomes not journaled: too many at once", "count", lost)
		}
		if closing && len(batch) == 0 {
			return
		}
		if len(batch) == 0 {
			<-r.wake
		}
	}
}

func (r *recorder) write(d Delivery) {
	attrs := []any{"receiver", d.Receiver, "event", d.Kind, "key", d.Key, "status", d.Status,
		"outcome", d.Outcome, "attempt", d.Attempt}
	if d.Error != "" {
		attrs = append(attrs, "error", d.Error)
	}
	switch d.Outcome {
	case Delivered, Superseded:
		r.log.Info("notification", attrs...)
	default:
		r.log.Warn("notification", attrs...)
	}
	if r.journal == nil {
		return
	}
	if err := r.journal.RecordDelivery(d); err != nil {
		r.log.Error("notification outcome not journaled", "receiver", d.Receiver, "error", err)
	}
}

// close writes what is pending and stops the goroutine.
func (r *recorder) close() {
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
	<-r.done
}

func (r *recorder) snapshot() map[string]map[Outcome]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]map[Outcome]int, len(r.counts))
	for k, v := range r.counts {
		out[k] = maps.Clone(v)
	}
	return out
}
