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
	was := c.leader
	c.leader = lead
	c.mu.Unlock()
	if lead != was {
		c.log.Info("leadership changed", "leader", lead)
	}
	c.metrics.leader(lead)
	return lead
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
