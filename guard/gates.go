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
	// CycleOpen is set while a reset cycle of this controller has left the
	// NS on anonymous (round 1 started, the policy's credential not yet
	// back): the set_credential_mode that restores it is then held by
	// nothing but dry run, and costs no budget (round 1 paid for it).
	CycleOpen bool
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

// Cost is what an action spends of its kind's budget. A reset cycle is paid
// in full by its round 1 (two set_credential_mode); its round 2, or the
// restore that replaces it after a crash, spends nothing, so that no limit
// can keep the NS on anonymous.
func Cost(a actions.Action, policyCredential vocab.Credential, cycleOpen bool) int {
	switch {
	case a.Kind != actions.SetCredentialMode:
		return 1
	case a.Round == 1:
		return 2
	case a.Round == 2, cycleOpen && restores(a, policyCredential):
		return 0
	}
	return 1
}

// Restores reports whether a sets the NS back to the policy's credential.
func Restores(a actions.Action, want vocab.Credential) bool { return restores(a, want) }

func restores(a actions.Action, want vocab.Credential) bool {
	return a.Kind == actions.SetCredentialMode && a.Round != 1 &&
		vocab.Credential{Mode: a.Mode, Account: a.Account}.Equal(want)
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
		ps.used[a.Kind] += g.cost(a)
		if !a.Target.IsNS() {
			ps.servers[a.Target.Server] = true
		}
	}
	return out
}

// checkRestore admits round 1 of the reset cycle only if round 2 (which
// gives the NS its credential back) is approved too when the policy asks
// for approval: round 1 already paid round 2's budget, and no window or
// limit holds round 2.
func (g *Gates) checkRestore(p actions.Plan, now time.Time, _ *pass) (actions.Hold, bool) {
	for _, b := range p.Actions {
		if b.Kind == actions.SetCredentialMode && b.Round == 2 &&
			g.Policy.NeedsApproval(b.Kind) && !g.Approvals.Approved(b.ID, now) {
			return actions.Hold{Rule: "reset cycle: round 2 would be held by approval required: reconciler approve " + b.ID,
				Outcome: actions.Deferred}, true
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
	if a.Kind == actions.SetCredentialMode && (a.Round == 2 || g.CycleOpen && restores(a, g.Policy.Credential)) {
		// Round 2 runs only after round 1 ran (its requirement), and the NS
		// must never stay on anonymous: nothing else holds a restore.
		return actions.Hold{}, false
	}
	if !a.Target.IsNS() && !g.Policy.Scope.Match(a.Target.Server) {
		return deferred("scope")
	}
	if ok, rule := g.Windows.Allowed(a.Kind, now); !ok {
		return deferred(rule)
	}
	if x, ok := g.Limiter.Limit(a.Kind); ok && g.Limiter.Used(a.Kind, now)+ps.used[a.Kind]+g.cost(a) > x.Max {
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

// Spent records a started action against its kind's budget (see Cost).
func (g *Gates) Spent(a actions.Action, at time.Time) {
	for range g.cost(a) {
		g.Limiter.Record(a.Kind, at)
	}
}

func (g *Gates) cost(a actions.Action) int { return Cost(a, g.Policy.Credential, g.CycleOpen) }
