package notify

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/itms-tools/reconciler/clock"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)

// records is a Journal that hands every outcome to the test.
type records struct {
	ch      chan Delivery
	skipped []Delivery // read by waitFor but not what it waited for
}

func newRecords() *records { return &records{ch: make(chan Delivery, 10_000)} }

func (r *records) RecordDelivery(d Delivery) error {
	r.ch <- d
	return nil
}

// wait returns the next outcome; the test fails (by the suite's timeout)
// rather than guess at a time.
func (r *records) wait(t *testing.T) Delivery {
	t.Helper()
	if len(r.skipped) > 0 {
		d := r.skipped[0]
		r.skipped = r.skipped[1:]
		return d
	}
	return <-r.ch
}

// waitFor returns the first outcome of receiver with outcome o, keeping
// the others it reads for later calls.
func (r *records) waitFor(t *testing.T, receiver string, o Outcome) Delivery {
	t.Helper()
	for i, d := range r.skipped {
		if d.Receiver == receiver && d.Outcome == o {
			r.skipped = append(r.skipped[:i:i], r.skipped[i+1:]...)
			return d
		}
	}
	for {
		d := <-r.ch
		if d.Receiver == receiver && d.Outcome == o {
			return d
		}
		r.skipped = append(r.skipped, d)
	}
}

// fakeSender records what it is asked to send; fail decides each
// attempt's result (nil: success). When block is set, Send waits for a
// value on it (or its context) after telling started.
type fakeSender struct {
	mu      sync.Mutex
	got     []Message
	fail    func(n int, m Message) error
	block   chan error
	started chan Message
}

func (f *fakeSender) Send(ctx context.Context, m Message) error {
	f.mu.Lock()
	f.got = append(f.got, m)
	n := len(f.got)
	f.mu.Unlock()
	if f.started != nil {
		f.started <- m
	}
	if f.block != nil {
		select {
		case err := <-f.block:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if f.fail != nil {
		return f.fail(n, m)
	}
	return nil
}

func (f *fakeSender) messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.got...)
}

// keys returns the status and key of each message sent, in order.
func (f *fakeSender) keys() []string {
	var out []string
	for _, m := range f.messages() {
		out = append(out, string(m.Status)+" "+m.Event.DedupeKey())
	}
	return out
}

// setup returns a notifier on a fake clock with the given receivers.
func setup(t *testing.T, rs ...Receiver) (*Notifier, *clock.Fake, *records) {
	t.Helper()
	fk := clock.NewFake(t0)
	rec := newRecords()
	n := New(Options{Clock: fk, Journal: rec, NS: "ns01"})
	n.Configure(rs)
	return n, fk, rec
}

func recv(name string, s Sender, mod ...func(*Config)) Receiver {
	c := Defaults(name, TypeWebhook)
	for _, m := range mod {
		m(&c)
	}
	return Receiver{Config: c, Sender: s}
}

// incidentEv is a warning incident with its own key.
func incidentEv(key string, sev Severity) Event {
	return Event{Kind: Escalated, Severity: sev, Key: key, Summary: key, Time: t0}
}

var errDown = errors.New("HTTP 502")
