package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

var (
	errQueueFull      = errors.New("queue full")
	errStopped        = errors.New("notifier stopped or receiver removed before delivery")
	errAttemptTimeout = errors.New("attempt timed out")
)

// worker delivers one receiver's queue, one message at a time, under the
// receiver's rate limit, with retries and backoff. Its fields below r are
// guarded by n.mu, except sent, which only its goroutine touches.
type worker struct {
	n      *Notifier
	r      Receiver
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}

	queue     []*Message
	draining  bool    // finish the queue, then exit
	retired   bool    // stop now; hand off to successor
	successor *worker // takes the queue when retired

	sent []time.Time // attempt start times within the rate window
}

func newWorker(n *Notifier, r Receiver) *worker {
	ctx, cancel := context.WithCancel(context.Background())
	return &worker{n: n, r: r, ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1)}
}

// wakeUp nudges the goroutine without ever blocking.
func (w *worker) wakeUp() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *worker) run() {
	defer w.n.wg.Done()
	for {
		m, ok := w.next()
		if !ok {
			return
		}
		w.deliver(m)
	}
}

// next waits for a message; false when the worker must exit.
func (w *worker) next() (Message, bool) {
	for {
		w.n.mu.Lock()
		switch {
		case w.retired:
			w.n.mu.Unlock()
			return Message{}, false
		case len(w.queue) > 0:
			m := w.queue[0]
			w.queue[0] = nil
			w.queue = w.queue[1:]
			w.n.mu.Unlock()
			return *m, true
		case w.draining:
			w.n.mu.Unlock()
			return Message{}, false
		}
		w.n.mu.Unlock()
		select {
		case <-w.wake:
		case <-w.ctx.Done():
		}
	}
}

// deliver tries m until it is delivered, cannot be, or runs out of
// attempts; every attempt's outcome is recorded.
func (w *worker) deliver(m Message) {
	cfg := w.r.Config
	for attempt := 1; ; attempt++ {
		if !w.waitRate() {
			w.abort(m)
			return
		}
		err := w.attempt(m)
		switch {
		case err == nil:
			w.n.rec.add(w.delivery(m, Delivered, attempt, nil))
			return
		case w.ctx.Err() != nil:
			w.abort(m)
			return
		case IsPermanent(err) || attempt >= cfg.MaxAttempts:
			w.n.rec.add(w.delivery(m, GaveUp, attempt, err))
			return
		}
		w.n.rec.add(w.delivery(m, Failed, attempt, err))
		if !w.sleep(backoff(cfg.BackoffBase, cfg.BackoffCap, attempt, retryAfterOf(err))) {
			w.abort(m)
			return
		}
	}
}

// abort hands m on after the worker was stopped mid-delivery.
func (w *worker) abort(m Message) {
	w.n.mu.Lock()
	defer w.n.mu.Unlock()
	w.handOffLocked(m)
}

// attempt sends m once within the receiver's timeout, measured on the
// notifier's clock.
func (w *worker) attempt(m Message) error {
	ctx, cancel := context.WithCancelCause(w.ctx)
	defer cancel(nil)
	t := w.n.clock.NewTimer(w.r.Config.Timeout)
	defer t.Stop()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-t.C():
			cancel(errAttemptTimeout)
		case <-done:
		}
	}()
	w.sent = append(w.sent, w.n.clock.Now())
	err := w.r.Sender.Send(ctx, m)
	if err != nil && errors.Is(context.Cause(ctx), errAttemptTimeout) {
		return fmt.Errorf("no answer within %s: %w", w.r.Config.Timeout, err)
	}
	return err
}

// waitRate waits until the rate limit allows one more attempt; false when
// the worker was stopped meanwhile.
func (w *worker) waitRate() bool {
	rate := w.r.Config.Rate
	for {
		now := w.n.clock.Now()
		keep := w.sent[:0]
		for _, t := range w.sent {
			if now.Sub(t) < rate.Per {
				keep = append(keep, t)
			}
		}
		w.sent = keep
		if len(w.sent) < rate.Max {
			return true
		}
		if !w.sleep(w.sent[0].Add(rate.Per).Sub(now)) {
			return false
		}
	}
}

// sleep waits d on the notifier's clock; false when the worker was
// stopped meanwhile. A draining worker still waits: its deadline is the
// caller's of Close.
func (w *worker) sleep(d time.Duration) bool {
	t := w.n.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-w.ctx.Done():
		return false
	}
}

// delivery builds the journal record of an outcome of m.
func (w *worker) delivery(m Message, o Outcome, attempt int, err error) Delivery {
	d := Delivery{Time: w.n.clock.Now(), Receiver: w.r.Config.Name, Type: w.r.Config.Type, Message: m.ID,
		Key: m.Event.DedupeKey(), Kind: m.Event.Kind, Status: m.Status, Outcome: o, Attempt: attempt,
		Subject: m.Event.Subject}
	if err != nil {
		d.Error = err.Error()
	}
	return d
}
