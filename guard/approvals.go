package guard

import (
	"sync"
	"time"
)

// Approvals remembers which action ids an admin approved and when. An
// approval lasts for the TTL and is used up when the action is applied, so
// a later drift of the same kind needs a new approval.
type Approvals struct {
	mu  sync.Mutex
	ttl time.Duration
	at  map[string]time.Time
}

// NewApprovals returns an empty set with the given lifetime.
func NewApprovals(ttl time.Duration) *Approvals {
	return &Approvals{ttl: ttl, at: map[string]time.Time{}}
}

// SetTTL changes the lifetime (policy reload).
func (a *Approvals) SetTTL(ttl time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ttl = ttl
}

// Approve records approvals of ids at time at.
func (a *Approvals) Approve(at time.Time, ids ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range ids {
		a.at[id] = at
	}
}

// Consume uses up the approval of id (its action was applied).
func (a *Approvals) Consume(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.at, id)
}

// Approved reports whether id holds a live approval at now. An approval
// stamped in the future (clock set back) counts only within the TTL of it.
func (a *Approvals) Approved(id string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.at[id]
	if !ok {
		return false
	}
	d := now.Sub(t)
	if d < 0 {
		d = -d
	}
	return d < a.ttl
}
