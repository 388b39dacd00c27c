package guard

import (
	"fmt"
	"maps"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

// Gates admits actions in the order the design fixes: mode, scope,
// windows, limits, blast radius (breaker, then servers per pass), approval.
// Every action, whichever reason put it in the plan, passes every gate as
// an action of its own; then the rules that bind actions together (the
// reset cycle, a deletion and the update that restores its file) may hold
// more. It implements apply.Gates.
type Gates struct {
	Policy    *policy.Policy
	Limiter   *Limiter
	Windows   Windows
	Breaker   *Breaker
	Approvals *Approvals
	// CycleOpen is set while a reset cycle of this controller has left the
	// NS on anonymous (round 1 started, the policy's credential not yet
	// back). The set_credential_mode that restores the policy's credential
	// then finishes a cycle that was admitted whole: it is held by nothing
	// but dry run (no window, limit or approval may leave the NS on
	// anonymous), and it is counted like every other action.
	CycleOpen bool
}

// New builds gates for a policy around existing state (budgets, breaker and
// approvals survive a policy reload).
func New(p *policy.Policy, l *Limiter, b *Breaker, a *Approvals) *Gates {
	return &Gates{Policy: p, Limiter: l, Windows: NewWindows(p.Windows), Breaker: b, Approvals: a}
}

// Restores reports whether a sets the NS back to the policy's credential.
func Restores(a actions.Action, want vocab.Credential) bool {
	return a.Kind == actions.SetCredentialMode && a.Round != 1 &&
		vocab.Credential{Mode: a.Mode, Account: a.Account}.Equal(want)
}

// Admit decides for the whole plan. It admits the plan's actions in plan
// order, each against every gate with the budgets and the blast radius
// shared, then applies the rules that hold actions together; what those
// rules hold frees budget and servers for the others, so admission runs
// again with them held, until nothing more is held (the held set only
// grows, so this ends).
//
// The result holds every action that will not run in this pass: those a
// gate or a rule holds, with the rule, and those that wait for them
// (every reason needs a held action), with the rule "dependency ID" that
// the executor records for them.
func (g *Gates) Admit(p actions.Plan, now time.Time) map[string]actions.Hold {
	cy := FindCycle(p)
	forced := map[string]actions.Hold{}
	for {
		st := g.admitOnce(p, now, cy, forced)
		more := restoresHeld(p, st)
		maps.Copy(more, cy.decide(st, g.CycleOpen && cy.restores(g.Policy.Credential)))
		if len(more) == 0 {
			return st.result()
		}
		maps.Copy(forced, more)
	}
}

// admitOnce runs the gates over the plan in order, with forced holding
// what the binding rules already hold.
func (g *Gates) admitOnce(p actions.Plan, now time.Time, cy *Cycle, forced map[string]actions.Hold) *admission {
	st := newAdmission(len(p.Actions))
	for _, a := range p.Actions {
		if h, ok := forced[a.ID]; ok {
			st.hold(a.ID, h)
			continue
		}
		if id := st.blocker(a); id != "" {
			st.wait(a.ID, id)
			continue
		}
		if h, held := g.check(a, now, cy, st); held {
			st.hold(a.ID, h)
			continue
		}
		st.admit(a)
	}
	return st
}

// check runs the gates on one action; held is true when one holds it.
func (g *Gates) check(a actions.Action, now time.Time, cy *Cycle, st *admission) (actions.Hold, bool) {
	if g.Policy.DryRun(a.Kind) {
		return actions.Hold{Class: actions.HoldMode, Detail: "dry-run", Outcome: actions.Skipped}, true
	}
	if g.CycleOpen && Restores(a, g.Policy.Credential) {
		// The cycle was admitted whole when it started: finish it.
		return actions.Hold{}, false
	}
	if !a.Target.IsNS() && !g.Policy.Scope.Match(a.Target.Server) {
		return deferred(actions.HoldScope, "")
	}
	if ok, why := g.Windows.Allowed(a.Kind, now); !ok {
		return deferred(actions.HoldWindow, why)
	}
	if x, ok := g.Limiter.Limit(a.Kind); ok && g.Limiter.Used(a.Kind, now)+st.used[a.Kind]+1 > x.Max {
		return deferred(actions.HoldLimit, limitDetail(x))
	}
	if bs := g.Breaker.State(); bs.Open {
		return deferred(actions.HoldBreaker, bs.Reason)
	}
	if max := g.Policy.Reconcile.MaxServersPerPass; max > 0 && !a.Target.IsNS() &&
		!st.servers[a.Target.Server] && len(st.servers) >= max {
		return deferred(actions.HoldBlastRadius, fmt.Sprintf("%d servers per pass", max))
	}
	if key := cy.approvalKey(a); g.Policy.NeedsApproval(a.Kind) && !g.Approvals.Approved(key, now) {
		return deferred(actions.HoldApproval, key)
	}
	return actions.Hold{}, false
}

func deferred(c actions.HoldClass, detail string) (actions.Hold, bool) {
	return actions.Held(c, detail), true
}

// Spent records a started action against its kind's budget: every action
// costs one, the restore of an open cycle too.
func (g *Gates) Spent(a actions.Action, at time.Time) {
	g.Limiter.Record(a.Kind, at)
}

// ApprovalKeys lists the approvals the plan's actions need under the
// policy, in plan order without repeats: the id of each action of a kind
// held for approval, and for the reset cycle one key for both rounds.
func ApprovalKeys(pol *policy.Policy, p actions.Plan) []string {
	cy := FindCycle(p)
	var out []string
	seen := map[string]bool{}
	for _, a := range p.Actions {
		if !pol.NeedsApproval(a.Kind) {
			continue
		}
		if k := cy.approvalKey(a); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
