package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRateLimit: at most Max attempts in any window of Per; the next one
// waits (on the clock) until the oldest leaves the window.
func TestRateLimit(t *testing.T) {
	s := &fakeSender{}
	n, fk, rec := setup(t, recv("ops", s, func(c *Config) { c.Rate = Rate{Max: 2, Per: time.Hour} }))
	for _, k := range []string{"a", "b", "c"} {
		n.Notify(incidentEv(k, Warning))
	}
	rec.waitFor(t, "ops", Delivered)
	rec.waitFor(t, "ops", Delivered)
	fk.WaitForTimers(1)
	if next, _ := fk.Next(); !next.Equal(t0.Add(time.Hour)) {
		t.Fatalf("third waits until %s, want %s", next, t0.Add(time.Hour))
	}
	if got := len(s.messages()); got != 2 {
		t.Fatalf("sent %d within the hour, want 2", got)
	}
	fk.Advance(time.Hour)
	if d := rec.waitFor(t, "ops", Delivered); d.Key != "c" {
		t.Errorf("delivered %s, want c", d.Key)
	}
	n.Close(context.Background())
}

// TestBackoff: failed attempts are retried after base, 2×base, 4×base…
// up to the cap, each failure recorded with its attempt number; a
// Retry-After longer than the backoff is honoured.
func TestBackoff(t *testing.T) {
	tests := []struct {
		name      string
		fail      func(int, Message) error
		cfg       func(*Config)
		waits     []time.Duration
		final     Outcome
		finalTry  int
		wantError string
	}{
		{name: "recovers on the fourth", fail: failUntil(4, errDown),
			waits: []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute}, final: Delivered, finalTry: 4},
		{name: "capped, then gives up", fail: failUntil(99, errDown),
			cfg:   func(c *Config) { c.MaxAttempts = 6; c.BackoffCap = 3 * time.Minute },
			waits: []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 3 * time.Minute, 3 * time.Minute},
			final: GaveUp, finalTry: 6, wantError: "HTTP 502"},
		{name: "retry-after", fail: failUntil(2, RetryAfter(errDown, 5*time.Minute)),
			waits: []time.Duration{5 * time.Minute}, final: Delivered, finalTry: 2},
		{name: "permanent", fail: failUntil(99, Permanent(errors.New("HTTP 403"))),
			final: GaveUp, finalTry: 1, wantError: "HTTP 403"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeSender{fail: tt.fail}
			mods := []func(*Config){}
			if tt.cfg != nil {
				mods = append(mods, tt.cfg)
			}
			n, fk, rec := setup(t, recv("ops", s, mods...))
			n.Notify(incidentEv("a", Critical))
			for i, want := range tt.waits {
				if d := rec.wait(t); d.Outcome != Failed || d.Attempt != i+1 {
					t.Fatalf("record %+v: want attempt %d failed", d, i+1)
				}
				fk.WaitForTimers(1)
				next, _ := fk.Next()
				if got := next.Sub(fk.Now()); got != want {
					t.Fatalf("wait after attempt %d = %s, want %s", i+1, got, want)
				}
				fk.Advance(want)
			}
			d := rec.wait(t)
			if d.Outcome != tt.final || d.Attempt != tt.finalTry || !strings.Contains(d.Error, tt.wantError) {
				t.Errorf("final %+v: want %s at attempt %d with %q", d, tt.final, tt.finalTry, tt.wantError)
			}
			n.Close(context.Background())
		})
	}
}

func failUntil(ok int, err error) func(int, Message) error {
	return func(n int, _ Message) error {
		if n < ok {
			return err
		}
		return nil
	}
}

// TestAttemptTimeout: an attempt that gets no answer is cut at the
// receiver's timeout, measured on the clock, and retried.
func TestAttemptTimeout(t *testing.T) {
	s := &fakeSender{block: make(chan error), started: make(chan Message, 10)}
	n, fk, rec := setup(t, recv("ops", s, func(c *Config) { c.Timeout = 20 * time.Second }))
	n.Notify(incidentEv("a", Critical))
	<-s.started
	fk.WaitForTimers(1)
	fk.Advance(20 * time.Second)
	d := rec.wait(t)
	if d.Outcome != Failed || !strings.Contains(d.Error, "no answer within 20s") {
		t.Fatalf("got %+v, want a failed attempt that timed out", d)
	}
	fk.WaitForTimers(1)
	fk.Advance(DefaultBackoffBase)
	<-s.started
	s.block <- nil
	if d := rec.wait(t); d.Outcome != Delivered || d.Attempt != 2 {
		t.Errorf("got %+v, want delivered at attempt 2", d)
	}
	n.Close(context.Background())
}

// TestDeadReceiverNeverBlocks: a receiver that never answers fills its own
// bounded queue, drops the oldest and counts them, while Notify returns at
// once and another receiver gets everything.
func TestDeadReceiverNeverBlocks(t *testing.T) {
	dead := &fakeSender{block: make(chan error), started: make(chan Message, 100)}
	healthy := &fakeSender{}
	n, _, rec := setup(t, recv("dead", dead, func(c *Config) { c.Queue = 3 }), recv("ok", healthy, func(c *Config) { c.Rate.Max = 1000 }))
	n.Notify(incidentEv("k00", Warning))
	<-dead.started
	const events = 50
	for i := 1; i < events; i++ {
		n.Notify(incidentEv(fmt.Sprintf("k%02d", i), Warning)) // returns though "dead" is stuck
	}
	for range events {
		rec.waitFor(t, "ok", Delivered)
	}
	counts := n.Counts()
	if got, want := counts["dead"][Dropped], events-1-3; got != want {
		t.Errorf("dead dropped %d, want %d", got, want)
	}
	if got := counts["ok"][Delivered]; got != events {
		t.Errorf("ok delivered %d, want %d", got, events)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n.Close(ctx)
	if got := len(dead.messages()); got != 1 {
		t.Errorf("dead was asked %d times, want 1", got)
	}
}

// TestFullQueueDropsOldestLowest: a full queue gives way in the lowest
// severity first, oldest first, and a newcomer weighing less than all
// queued is the one dropped.
func TestFullQueueDropsOldestLowest(t *testing.T) {
	s := &fakeSender{block: make(chan error), started: make(chan Message, 100)}
	n, _, rec := setup(t, recv("ops", s, func(c *Config) { c.Queue = 2 }))
	n.Notify(incidentEv("inflight", Warning))
	<-s.started
	steps := []struct {
		key     string
		sev     Severity
		dropped string
	}{
		{"b-crit", Critical, ""},
		{"c-info", Info, ""},
		{"d-warn", Warning, "c-info"},
		{"e-info", Info, "e-info"},
		{"f-crit", Critical, "d-warn"},
		{"g-crit", Critical, "b-crit"},
	}
	for _, st := range steps {
		n.Notify(incidentEv(st.key, st.sev))
		if st.dropped == "" {
			continue
		}
		if d := rec.wait(t); d.Outcome != Dropped || d.Key != st.dropped || d.Error != "queue full" {
			t.Fatalf("after %s: got %+v, want %s dropped", st.key, d, st.dropped)
		}
	}
	for range 3 {
		s.block <- nil
	}
	n.Close(context.Background())
	if got, want := s.keys(), []string{"firing inflight", "firing f-crit", "firing g-crit"}; !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
}
