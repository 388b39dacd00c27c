package controller

import (
	"context"
	"fmt"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/policy"
)

// recorder writes the executor's steps to the journal. Without a journal
// the controller never executes, so a nil journal here is a bug.
type recorder struct{ c *Controller }

var _ actions.Recorder = recorder{}

func (r recorder) Intent(_ context.Context, s actions.Step) error {
	return r.c.append(stepRecord(audit.TypeIntent, s))
}

func (r recorder) Outcome(_ context.Context, s actions.Step) error {
	return r.c.append(stepRecord(audit.TypeOutcome, s))
}

// stepRecord converts an executor step into a journal record.
func stepRecord(t audit.Type, s actions.Step) audit.Record {
	a := s.Action
	rec := audit.Record{Type: t, Pass: s.Pass, Plan: s.Plan, Action: a.ID, Kind: string(a.Kind),
		Server: string(a.Target.Server), Package: string(a.Target.Package),
		Mode: string(a.Mode), Account: a.Account, Rule: s.Rule, Outcome: audit.Outcome(s.Outcome)}
	if t == audit.TypeIntent {
		rec.Reasons = reasons(a.Reasons)
	}
	if s.Err != nil {
		rec.Error = s.Err.Error()
	}
	return rec
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
func guardGates(p *policy.Policy, c *Controller) actions.Gates {
	return guard.New(p, c.limiter, c.breaker, c.approvals)
}

// describe is a short label of a record for logs.
func describe(r audit.Record) string {
	return fmt.Sprintf("%s %s %s", r.Type, r.Action, r.Outcome)
}
