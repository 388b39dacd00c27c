package controller

import (
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/policy"
)

// Reload puts a new, already validated policy in force between passes.
// Budgets, approvals and the breaker carry over; terminal errors are
// forgotten (the admin may have fixed their cause), and so are refused
// credentials: each is tried once more (the admin may have unlocked the
// account or reset its password to the one configured). It is audited,
// and the policy_reload record lifts the refusals before it at Restore.
func (c *Controller) Reload(p *policy.Policy) {
	c.passMu.Lock()
	defer c.passMu.Unlock()
	c.mu.Lock()
	c.policy = p
	c.limiter.Reconfigure(p.Limits)
	c.breaker.SetResetAfter(p.Reconcile.BreakerHealthyFor)
	c.approvals.SetTTL(p.Reconcile.ApprovalTTL)
	c.retry.base, c.retry.cap = p.Reconcile.BackoffBase, p.Reconcile.BackoffCap
	c.retry.clearTerminal()
	c.mu.Unlock()
	c.logins.clear()
	c.log.Info("policy reloaded", "policy", p.File, "mode", p.Mode)
	c.notify(notify.PolicyLoadedEvent(c.clock.Now(), p.File))
	detail := map[string]any{"policy": p.File, "mode": p.Mode, "schedule": p.Reconcile.Schedule}
	if err := c.append(audit.Record{Type: audit.TypePolicyReload, Detail: audit.JSON(detail)}); err != nil {
		c.log.Error("policy reload not recorded", "error", err)
	}
}

// RejectPolicy audits a policy change that failed validation; the policy
// in force stays.
func (c *Controller) RejectPolicy(file string, problem error) {
	c.log.Error("policy change rejected; the previous policy stays in force", "policy", file, "error", problem)
	c.notify(notify.PolicyRejectedEvent(c.clock.Now(), file, problem.Error()))
	detail := map[string]any{"policy": file}
	rec := audit.Record{Type: audit.TypePolicyRejected, Error: problem.Error(), Detail: audit.JSON(detail)}
	if err := c.append(rec); err != nil {
		c.log.Error("policy rejection not recorded", "error", err)
	}
}
