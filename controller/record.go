package controller

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/actions/apply"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/policy"
)

// recorder writes the executor's steps to the journal. Without a journal
// the controller never executes, so a nil journal here is a bug.
type recorder struct{ c *Controller }

var _ apply.Recorder = recorder{}

// Intent records an intent. One the journal refuses as too large (its
// reasons hold more than a record may) is reported as unrecordable: the
// executor fails that action and goes on.
func (r recorder) Intent(_ context.Context, s apply.Step) error {
	if s.Action.Kind == actions.SetCredentialMode && s.Action.Round == 1 {
		r.c.mu.Lock()
		r.c.cycleOpen = true // from now on the NS may be on anonymous
		r.c.mu.Unlock()
	}
	rec := stepRecord(audit.TypeIntent, s)
	rec.Detail = r.c.ladderDetail(s)
	err := r.c.appendUnsynced(rec) // durable at Sync, before the action starts
	if errors.Is(err, audit.ErrTooLarge) {
		r.c.log.Error("intent too large for the journal; the action fails without running",
			"action", s.Action.ID, "kind", s.Action.Kind, "server", s.Action.Target.String(), "error", err)
		return fmt.Errorf("%w: %w", apply.ErrUnrecordable, err)
	}
	return err
}

// Sync makes the intents written so far durable: the executor calls it
// before it starts their actions.
func (r recorder) Sync(context.Context) error { return r.c.syncJournal() }

// Outcome records an outcome. A deferral or skip that repeats the one
// recorded for the same action in an earlier pass, for the same rule, is
// counted in the pass_end record instead of written again: a held action
// is recorded when it is first held and whenever its rule changes, not at
// every pass it stays held.
func (r recorder) Outcome(_ context.Context, s apply.Step) error {
	if r.c.repeatHold(s) {
		return nil
	}
	return r.c.appendBatched(stepRecord(audit.TypeOutcome, s)) // synced by the journal when the action ran
}

// repeatHold remembers holds and reports whether s repeats the last one.
func (c *Controller) repeatHold(s apply.Step) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := s.Action.ID
	if s.Outcome != actions.Deferred && s.Outcome != actions.Skipped {
		delete(c.holds, id)
		return false
	}
	if rule, ok := c.holds[id]; ok && rule == s.Rule() {
		c.repeated++
		return true
	}
	c.holds[id] = s.Rule()
	return false
}

// forgetHolds drops the remembered holds of actions no longer planned, so
// that they are recorded again if they come back.
func (c *Controller) forgetHolds(p actions.Plan) (repeated int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	planned := p.Index()
	for id := range c.holds {
		if _, ok := planned[id]; !ok {
			delete(c.holds, id)
		}
	}
	repeated, c.repeated = c.repeated, 0
	return repeated
}

// stepRecord converts an executor step into a journal record.
func stepRecord(t audit.Type, s apply.Step) audit.Record {
	a := s.Action
	rec := audit.Record{Type: t, Pass: s.Pass, Plan: s.Plan, Action: a.ID, Kind: string(a.Kind),
		Server: string(a.Target.Server), Package: string(a.Target.Package),
		Mode: string(a.Mode), Account: a.Account, Rule: s.Rule(), Outcome: audit.Outcome(s.Outcome)}
	// An intent carries the reasons (its outcome refers to it); so does a
	// deferral or skip, which has no intent: every held action in the
	// journal says why it was planned.
	if t == audit.TypeIntent || s.Outcome == actions.Deferred || s.Outcome == actions.Skipped {
		rec.Reasons = reasons(a.Reasons)
	}
	if s.Err != nil {
		rec.Error = clipText(s.Err.Error(), maxErrorText)
	}
	return rec
}

// maxErrorText bounds the error text of an outcome record, so that a
// driver error of any size can be recorded.
const maxErrorText = 4 << 10

// clipText cuts s to at most n bytes on a rune boundary, marking the cut.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "… (cut)"
}

func reasons(rs []actions.Reason) []audit.Reason {
	out := make([]audit.Reason, len(rs))
	for i, r := range rs {
		facts := make([]audit.Fact, len(r.Facts))
		for j, f := range r.Facts {
			facts[j] = audit.Fact{Name: f.Name, Value: f.Value}
		}
		out[i] = audit.Reason{Cause: string(r.Cause), Message: r.Message, Facts: facts}
	}
	return out
}

// recordBreaker audits a breaker transition.
func (c *Controller) recordBreaker(t guard.Transition) {
	state := "tripped"
	if t.Closed {
		state = "closed"
	}
	c.log.Warn("circuit breaker "+state, "reason", t.Reason)
	rec := audit.Record{Type: audit.TypeBreaker, Detail: audit.JSON(map[string]string{"state": state, "reason": t.Reason})}
	if err := c.append(rec); err != nil {
		c.log.Error("breaker transition not recorded", "error", err)
	}
}

// guardGates builds the executor's gates for a policy around the
// controller's persistent state. The caller holds c.mu.
func guardGates(p *policy.Policy, c *Controller) *guard.Gates {
	g := guard.New(p, c.limiter, c.breaker, c.approvals)
	g.CycleOpen = c.cycleOpen
	return g
}
