package guard

import (
	"fmt"
	"sync"
	"time"
)

// BreakerState is what the breaker shows in status and metrics.
type BreakerState struct {
	Open   bool      `json:"open"`
	Since  time.Time `json:"since,omitzero"`
	Reason string    `json:"reason,omitempty"`
}

// Breaker pauses enforcement when the controller's own actions seem to make
// things worse: when the actionable not-Ready pairs grow from one pass to
// the next and the earlier pass applied actions. It closes when an admin
// resets it, or when the count has not grown for ResetAfter (0: only a
// manual reset closes it).
type Breaker struct {
	mu         sync.Mutex
	resetAfter time.Duration
	state      BreakerState
	seen       bool
	last       int       // actionable not-Ready pairs at the last observation
	lastGrowth time.Time // last time the count grew while open
}

// NewBreaker returns a closed breaker.
func NewBreaker(resetAfter time.Duration) *Breaker { return &Breaker{resetAfter: resetAfter} }

// SetResetAfter changes the automatic reset delay (policy reload).
func (b *Breaker) SetResetAfter(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.resetAfter = d
}

// Transition is a change of state that must be audited.
type Transition struct {
	Tripped, Closed bool
	Reason          string
}

// Observe takes the count of one successful observation and whether the
// previous pass applied any action, and returns the transition it caused.
func (b *Breaker) Observe(now time.Time, notReady int, actedBefore bool) Transition {
	b.mu.Lock()
	defer b.mu.Unlock()
	prev, seen := b.last, b.seen
	b.last, b.seen = notReady, true
	grew := seen && notReady > prev
	if b.state.Open {
		if grew {
			b.lastGrowth = now
		}
		if b.resetAfter > 0 && now.Sub(b.lastGrowth) >= b.resetAfter {
			reason := fmt.Sprintf("no growth of not-Ready pairs for %s", b.resetAfter)
			b.state = BreakerState{}
			return Transition{Closed: true, Reason: reason}
		}
		return Transition{}
	}
	if grew && actedBefore {
		reason := fmt.Sprintf("not-Ready pairs grew from %d to %d after a pass that acted", prev, notReady)
		b.state = BreakerState{Open: true, Since: now, Reason: reason}
		b.lastGrowth = now
		return Transition{Tripped: true, Reason: reason}
	}
	return Transition{}
}

// Trip opens the breaker (restoring a state read from the journal).
func (b *Breaker) Trip(at time.Time, reason string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.state = BreakerState{Open: true, Since: at, Reason: reason}
	b.lastGrowth = at
}

// Reset closes the breaker.
func (b *Breaker) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.state = BreakerState{}
}

// State returns the current state.
func (b *Breaker) State() BreakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}
