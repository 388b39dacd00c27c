package guard

import (
	"fmt"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

// Gates admits actions in the order the design fixes: mode, scope,
// windows, limits, blast radius (breaker, then servers per pass), approval.
// It implements actions.Gates.
type Gates struct {
	Policy    *policy.Policy
	Limiter   *Limiter
	Windows   Windows
	Breaker   *Breaker
	Approvals *Approvals
}

var _ actions.Gates = (*Gates)(nil)

// New builds gates for a policy around existing state (budgets, breaker and
// approvals survive a policy reload).
func New(p *policy.Policy, l *Limiter, b *Breaker, a *Approvals) *Gates {
	return &Gates{Policy: p, Limiter: l, Windows: NewWindows(p.Windows), Breaker: b, Approvals: a}
}

// pass is the admission state of one plan.
type pass struct {
	used    map[actions.Kind]int
	servers map[vocab.Host]bool
	held    map[string]bool
}

// Admit decides for the whole plan, in plan order. An action whose every
// reason needs a held action is left to the executor (it will be deferred
// as a dependency) and reserves nothing.
func (g *Gates) Admit(p actions.Plan, now time.Time) map[string]actions.Hold {
	out := map[string]actions.Hold{}
	ps := &pass{used: map[actions.Kind]int{}, servers: map[vocab.Host]bool{}, held: map[string]bool{}}
	for _, a := range p.Actions {
		if blockedBy(a, ps.held) {
			ps.held[a.ID] = true
			continue
		}
		h, ok := g.check(a, now, ps)
		if !ok && a.Kind == actions.SetCredentialMode && a.Round == 1 {
			h, ok = g.checkRestore(p, now, ps)
		}
		if ok {
			out[a.ID] = h
			ps.held[a.ID] = true
			continue
		}
		ps.used[a.Kind]++
		if !a.Target.IsNS() {
			ps.servers[a.Target.Server] = true
		}
	}
	return out
}

// checkRestore admits round 1 of the reset cycle only if round 2 (which
// gives the NS its credential back) would be admitted right after it, so a
// limit, window or approval can never leave the NS on anonymous.
func (g *Gates) checkRestore(p actions.Plan, now time.Time, ps *pass) (actions.Hold, bool) {
	for _, b := range p.Actions {
		if b.Kind != actions.SetCredentialMode || b.Round != 2 {
			continue
		}
		ps.used[actions.SetCredentialMode]++
		h, held := g.check(b, now, ps)
		ps.used[actions.SetCredentialMode]--
		if held {
			return actions.Hold{Rule: "reset cycle: round 2 would be held by " + h.Rule, Outcome: h.Outcome}, true
		}
	}
	return actions.Hold{}, false
}

// blockedBy reports whether every reason of a requires a held action.
func blockedBy(a actions.Action, held map[string]bool) bool {
	if len(a.Reasons) == 0 {
		return false
	}
	for _, r := range a.Reasons {
		free := true
		for _, id := range r.Requires {
			if held[id] {
				free = false
				break
			}
		}
		if free {
			return false
		}
	}
	return true
}

// check runs the gates on one action; ok is true when one holds it.
func (g *Gates) check(a actions.Action, now time.Time, ps *pass) (actions.Hold, bool) {
	if g.Policy.DryRun(a.Kind) {
		return actions.Hold{Rule: "mode dry-run", Outcome: actions.Skipped}, true
	}
	if !a.Target.IsNS() && !g.Policy.Scope.Match(a.Target.Server) {
		return deferred("scope")
	}
	if ok, rule := g.Windows.Allowed(a.Kind, now); !ok {
		return deferred(rule)
	}
	if x, ok := g.Limiter.Limit(a.Kind); ok && g.Limiter.Used(a.Kind, now)+ps.used[a.Kind] >= x.Max {
		return deferred(limitRule(x))
	}
	if st := g.Breaker.State(); st.Open {
		return deferred("breaker open: " + st.Reason)
	}
	if max := g.Policy.Reconcile.MaxServersPerPass; max > 0 && !a.Target.IsNS() &&
		!ps.servers[a.Target.Server] && len(ps.servers) >= max {
		return deferred(fmt.Sprintf("blast_radius %d servers per pass", max))
	}
	if g.Policy.NeedsApproval(a.Kind) && !g.Approvals.Approved(a.ID, now) {
		return deferred("approval required: reconciler approve " + a.ID)
	}
	return actions.Hold{}, false
}

func deferred(rule string) (actions.Hold, bool) {
	return actions.Hold{Rule: rule, Outcome: actions.Deferred}, true
}

// Spent records a started action against its kind's budget.
func (g *Gates) Spent(k actions.Kind, at time.Time) { g.Limiter.Record(k, at) }
