package controller

import (
	"fmt"
	"time"

	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/vocab"
)

// retries holds servers back after failures: exponentially for transient
// errors, for the given delay for waiting errors, and until the policy is
// reloaded or the daemon restarts for terminal errors. The key "" is the NS.
type retries struct {
	base, cap time.Duration
	m         map[vocab.Host]*retryState
}

type retryState struct {
	failures int
	until    time.Time
	terminal bool
	last     string
}

func newRetries(base, cap time.Duration) *retries {
	return &retries{base: base, cap: cap, m: map[vocab.Host]*retryState{}}
}

// fail records a failure of host at now and returns when it may be retried
// (zero for terminal).
func (r *retries) fail(h vocab.Host, err error, now time.Time) time.Time {
	s := r.m[h]
	if s == nil {
		s = &retryState{}
		r.m[h] = s
	}
	s.failures++
	s.last = err.Error()
	class, after := failure.Classify(err)
	switch class {
	case failure.Terminal:
		s.terminal, s.until = true, time.Time{}
	case failure.Waiting:
		s.until = now.Add(after)
	default:
		s.until = now.Add(r.delay(s.failures))
	}
	return s.until
}

// delay is base·2^(n-1), capped.
func (r *retries) delay(n int) time.Duration {
	d := r.base
	for i := 1; i < n && d < r.cap; i++ {
		d *= 2
	}
	return min(d, r.cap)
}

// ok forgets a server's failures after a success.
func (r *retries) ok(h vocab.Host) { delete(r.m, h) }

// held lists the servers held back at now, with why.
func (r *retries) held(now time.Time) map[vocab.Host]string {
	out := map[vocab.Host]string{}
	for h, s := range r.m {
		switch {
		case s.terminal:
			out[h] = "terminal error, not retried until the policy is reloaded: " + s.last
		case now.Before(s.until):
			out[h] = fmt.Sprintf("backing off after %s until %s: %s",
				vocab.Count(s.failures, "failure"), s.until.UTC().Format(time.RFC3339), s.last)
		}
	}
	return out
}

// clearTerminal forgets terminal errors (after a policy reload).
func (r *retries) clearTerminal() {
	for h, s := range r.m {
		if s.terminal {
			delete(r.m, h)
		}
	}
}

// next returns the earliest time a backing-off server may be retried.
func (r *retries) next(now time.Time) (time.Time, bool) {
	var t time.Time
	for _, s := range r.m {
		if !s.terminal && s.until.After(now) && (t.IsZero() || s.until.Before(t)) {
			t = s.until
		}
	}
	return t, !t.IsZero()
}
