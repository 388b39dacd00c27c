package controller

import (
	"context"
)

// checkLeader keeps or takes the leader lock and reports whether this
// controller may act in this pass: it must hold the lock (or have none) and
// a journal that can be written (journalUsable). On gaining the lock
// without a journal, Attach opens one.
func (c *Controller) checkLeader(ctx context.Context) bool {
	lead := c.holdLock(ctx)
	if lead && c.journal != nil {
		lead = c.journalUsable()
	}
	if lead && c.journal == nil && c.attach != nil {
		lead = c.attachJournal(ctx)
	}
	lead = lead && c.journal != nil
	c.mu.Lock()
	was, first := c.leader, !c.roleKnown
	c.leader, c.roleKnown = lead, true
	c.mu.Unlock()
	switch {
	case lead && !was:
		c.log.Info("leader: this reconciler holds the leader lock and acts", "lock", c.lockName())
	case !lead && (was || first):
		c.log.Warn("follower: another reconciler holds the leader lock (or the journal cannot be written); "+
			"this one observes and serves /metrics only, and takes over when the leader goes away", "lock", c.lockName())
	}
	c.metrics.leader(lead)
	return lead
}

// lockName names the leader lock for logs.
func (c *Controller) lockName() string {
	if c.site.Lock == nil {
		return "none"
	}
	return c.site.Lock.String()
}

func (c *Controller) holdLock(ctx context.Context) bool {
	l := c.gated().Lock
	if l == nil {
		return true
	}
	if c.IsLeader() {
		if err := l.Check(ctx); err == nil {
			return true
		} else {
			c.log.Warn("leader lock lost", "lock", l.String(), "error", err)
		}
	}
	ok, err := l.TryAcquire(ctx)
	if err != nil {
		c.log.Warn("leader lock not taken", "lock", l.String(), "error", err)
		return false
	}
	return ok
}

func (c *Controller) releaseLock() {
	if c.site.Lock == nil {
		return
	}
	if err := c.site.Lock.Release(); err != nil {
		c.log.Warn("leader lock release", "error", err)
	}
}

// Close releases the leader lock.
func (c *Controller) Close() error {
	c.releaseLock()
	return nil
}
