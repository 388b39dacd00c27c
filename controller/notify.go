package controller

import (
	"slices"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/notify"
)

// Notifications. The controller reports conditions level-triggered, at
// the end of every leader pass (the breaker, the CMDB, approvals, the
// journal), and policy reloads as they happen; the notifier (package
// notify) sends each incident once until it resolves and its resolution
// once, so reporting a condition that holds again costs nothing. Notify
// only enqueues: a receiver never slows a pass.

// notify hands ev to the notifier, if there is one.
func (c *Controller) notify(ev notify.Event) {
	if c.notifyFn != nil {
		c.notifyFn(ev)
	}
}

// notifyPass reports what a pass saw. The CMDB outage is timed on every
// pass; only a leader pass tells anyone (a follower would repeat it),
// except of a journal that keeps this process from leading: it holds the
// leader lock but cannot record, so no other daemon will tell.
func (c *Controller) notifyPass(res PassResult) {
	since, cmdbOK := c.cmdbOutage(res)
	if c.notifyFn == nil {
		return
	}
	c.notifyJournal(res)
	if !res.Leader {
		return
	}
	now := res.End
	if st := c.breaker.State(); st.Open {
		c.notify(notify.BreakerTrippedEvent(st.Since, st.Reason))
	} else {
		c.notify(notify.BreakerClosedEvent(now, ""))
	}
	if after := c.Policy().Notifications.CMDBUnreadableAfter; !since.IsZero() && now.Sub(since) >= after {
		c.notify(notify.CMDBUnreadableEvent(now, since, res.Obs.CMDBErr.Error()))
	} else if cmdbOK {
		c.notify(notify.CMDBReadableEvent(now))
	}
	if ids := approvalHeld(res); len(ids) > 0 {
		c.notify(notify.ApprovalNeededEvent(now, res.Plan.ID, ids))
	} else if cmdbOK && res.Err == nil {
		c.notify(notify.ApprovalsClearEvent(now))
	}
}

// notifyJournal tells of a journal that could not be written (the last
// append failed, or the journal is unhealthy) and of its return.
func (c *Controller) notifyJournal(res PassResult) {
	switch h := c.JournalHealth(); {
	case c.journalFault.Load() != nil:
		c.notify(notify.JournalProblemEvent(res.End, *c.journalFault.Load()))
	case !h.OK:
		c.notify(notify.JournalProblemEvent(res.End, h.Error))
	case res.Leader:
		c.notify(notify.JournalOKEvent(res.End))
	}
}

// cmdbOutage records when the CMDB stopped being readable and returns
// that time (zero while it is readable) and whether this pass read it.
func (c *Controller) cmdbOutage(res PassResult) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case res.Obs == nil:
	case res.Obs.CMDBErr != nil:
		if c.cmdbDownSince.IsZero() {
			c.cmdbDownSince = res.Start
		}
	default:
		c.cmdbDownSince = time.Time{}
		return time.Time{}, true
	}
	return c.cmdbDownSince, false
}

// approvalHeld returns the actions of the pass held for an approval.
func approvalHeld(res PassResult) []string {
	var ids []string
	for id, s := range res.Exec.Steps {
		if s.Outcome == actions.Deferred && s.Held.Class == actions.HoldApproval {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// noteAppend remembers whether the last append failed, for notifyPass.
func (c *Controller) noteAppend(err error) {
	if err == nil {
		if c.journalFault.Load() != nil {
			c.journalFault.Store(nil)
		}
		return
	}
	msg := err.Error()
	c.journalFault.Store(&msg)
}
