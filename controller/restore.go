package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/inbox"
	"github.com/itms-tools/reconciler/vocab"
)

// JournalLostKey marks, in a startup record's detail, a start that found
// the journal gone though it had existed: budgets were lost with it, so
// every destructive limited kind counts as fully spent at that start.
const JournalLostKey = "journal_lost"

// ApprovalDetail is the Detail of an approval record (package inbox owns
// the records of operators' requests).
type ApprovalDetail = inbox.ApprovalDetail

// BreakerDetail is the Detail of a breaker record.
type BreakerDetail = inbox.BreakerDetail

// Restore rebuilds budgets, approvals, the breaker and the refused
// credentials from the journal at path, so a restart never grants a fresh
// budget, forgets an approval or a tripped breaker, or tries a refused
// password again. A journal that cannot be read spends the whole budget
// of every destructive limited kind, and the error says so.
//
// It reads across the journal's segments. The gates are rebuilt from
// nothing, so that restoring again (a journal reopened after it was
// replaced) counts no spend twice. A segment record sets the long-lived
// state it carries (CarriedState), so a journal whose oldest segments
// retention removed still restores a tripped breaker, an open cycle or a
// refused login.
func (c *Controller) Restore(path string) error {
	now := c.clock.Now()
	c.resetGates()
	c.resetLastKnown()
	c.logins.beginReplay()
	c.newLadder()
	err := audit.ReadAll(path, func(r audit.Record) error {
		c.replay(r, now)
		c.foldLadder(r)
		c.logins.replayRecord(r)
		return nil
	})
	c.logins.endReplay()
	c.requeueVerifications()
	if err == nil {
		return nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a new journal: nothing was ever spent
	}
	c.exhaustDestructive(now)
	return fmt.Errorf("rebuild budgets from %s (destructive kinds get no budget until it is readable): %w", path, err)
}

// replay applies one journal record to the gates' state.
func (c *Controller) replay(r audit.Record, now time.Time) {
	switch r.Type {
	case audit.TypeIntent:
		a := recordAction(r)
		c.limiter.Record(a.Kind, r.Time) // every started action costs one
		if a.Kind == actions.SetCredentialMode && a.Round == 1 {
			c.cycleOpen = true
		}
	case audit.TypeOutcome:
		if r.Outcome == audit.Applied {
			c.approvals.Consume(r.Action)
			if guard.Restores(recordAction(r), c.policy.Credential) {
				c.cycleOpen = false
			}
		}
	case audit.TypePassEnd:
		if len(r.Detail) > 0 {
			c.sweep.replay(r.Detail, r.Time)
		}
		c.replayPassEnd(r)
	case audit.TypeApproval:
		var d ApprovalDetail
		if json.Unmarshal(r.Detail, &d) == nil {
			c.approvals.Approve(r.Time, d.Actions...)
		}
	case audit.TypeStartup:
		var d map[string]any
		if json.Unmarshal(r.Detail, &d) == nil && d[JournalLostKey] == true {
			c.exhaustDestructive(r.Time)
		}
	case audit.TypeSegment:
		c.replayCarried(r)
	case audit.TypeObservation:
		c.replayObservation(r, r.Detail)
	case audit.TypeBreaker:
		c.breaker.Replay(r)
	}
}

// recordAction rebuilds what the gates need of an action from its record.
func recordAction(r audit.Record) actions.Action {
	a := actions.Action{ID: r.Action, Kind: actions.Kind(r.Kind), Mode: vocab.Mode(r.Mode), Account: r.Account}
	if id, err := actions.ParseID(r.Action); err == nil {
		a.Round = id.Round
	}
	return a
}

// resetGates gives the controller the gates of a fresh start.
func (c *Controller) resetGates() {
	p := c.Policy()
	c.limiter = guard.NewLimiter(p.Limits)
	c.breaker = guard.NewBreaker(p.Reconcile.BreakerHealthyFor)
	c.approvals = guard.NewApprovals(p.Reconcile.ApprovalTTL)
	c.mu.Lock()
	c.cycleOpen = false
	c.mu.Unlock()
}

// JournalUntrusted spends the budget of every limited destructive kind for
// one window from now, as a lost journal does: for a reader (plan,
// status) that finds the journal behind its anchor before the daemon has
// recorded it.
func (c *Controller) JournalUntrusted(now time.Time) { c.exhaustDestructive(now) }

// exhaustDestructive spends the budget of every limited destructive kind.
func (c *Controller) exhaustDestructive(now time.Time) {
	for _, x := range c.Policy().Limits {
		if x.Kind.Destructive() {
			c.limiter.Exhaust(x.Kind, now)
		}
	}
}
