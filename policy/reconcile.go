package policy

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

var reconcileSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "schedule"}, {Name: "timezone"}, {Name: "pending_grace"}, {Name: "concurrency"},
	{Name: "pass_timeout"}, {Name: "call_timeout"}, {Name: "max_servers_per_pass"},
	{Name: "verify_after"}, {Name: "backoff_base"}, {Name: "backoff_cap"},
	{Name: "breaker_reset_after"}, {Name: "approval_ttl"}, {Name: "sweep_every"},
	{Name: "max_attempts"},
}}

// defaultReconcile is the loop's tuning when the policy says nothing.
func defaultReconcile() Reconcile {
	r := Reconcile{
		Schedule:          defaultSchedule,
		Location:          time.UTC,
		PendingGrace:      30 * time.Minute,
		Concurrency:       64, // 1,000 agents at 100 ms each observed within 2 s (BENCHMARKS.md)
		PassTimeout:       10 * time.Minute,
		CallTimeout:       30 * time.Second,
		VerifyAfter:       2 * time.Minute,
		BackoffBase:       time.Minute,
		BackoffCap:        time.Hour,
		BreakerHealthyFor: time.Hour,
		ApprovalTTL:       24 * time.Hour,
		SweepEvery:        time.Hour,
		MaxAttempts:       3,
	}
	r.Cron, _ = parseCron(defaultSchedule, time.UTC)
	return r
}

// reconcile decodes the loop's tuning; every attribute has a default.
func (d *decoder) reconcile(b *hcl.Block) Reconcile {
	r := defaultReconcile()
	if b == nil {
		return r
	}
	at := d.content(b.Body, reconcileSchema).Attributes
	r.Location = d.location(at, "timezone")
	r.Cron, _ = parseCron(r.Schedule, r.Location)
	if spec, s := d.schedule(at, "schedule", r.Location); s != nil {
		r.Schedule, r.Cron = spec, s
	}
	d.duration(at, "pending_grace", &r.PendingGrace, false)
	d.intRange(at, "concurrency", &r.Concurrency, 1, 1024)
	d.duration(at, "pass_timeout", &r.PassTimeout, false)
	d.duration(at, "call_timeout", &r.CallTimeout, false)
	d.intRange(at, "max_servers_per_pass", &r.MaxServersPerPass, 0, 1<<30)
	d.duration(at, "verify_after", &r.VerifyAfter, false)
	d.duration(at, "approval_ttl", &r.ApprovalTTL, false)
	d.duration(at, "sweep_every", &r.SweepEvery, false)
	d.intRange(at, "max_attempts", &r.MaxAttempts, 1, 10)
	d.duration(at, "breaker_reset_after", &r.BreakerHealthyFor, true)
	base := d.duration(at, "backoff_base", &r.BackoffBase, false)
	capAttr := d.duration(at, "backoff_cap", &r.BackoffCap, false)
	if r.BackoffCap < r.BackoffBase {
		rng := b.DefRange
		switch {
		case capAttr != nil:
			rng = capAttr.Expr.Range()
		case base != nil:
			rng = base.Expr.Range()
		}
		d.fail(rng, "Backoff cap below base",
			"backoff_cap (%s) must be at least backoff_base (%s): the backoff starts at the base and doubles up to the cap.",
			r.BackoffCap, r.BackoffBase)
	}
	return r
}

var windowSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "schedule"}, {Name: "duration"}, {Name: "timezone"}, {Name: "allow"}, {Name: "deny"},
}}

// windows decodes the maintenance windows in file order; names are unique.
func (d *decoder) windows(blocks hcl.Blocks) []Window {
	var out []Window
	seen := map[string]*hcl.Block{}
	for _, b := range blocks {
		w, ok := d.window(b)
		name := b.Labels[0]
		switch {
		case name == "":
			d.fail(b.LabelRanges[0], "Empty window name", `A window needs a name, e.g. window "weeknights".`)
			ok = false
		case seen[name] != nil:
			d.fail(b.LabelRanges[0], "Duplicate window",
				"Window names are unique; %q is already defined at %s.", clip(name), position(&seen[name].DefRange))
			ok = false
		default:
			seen[name] = b
		}
		if ok {
			out = append(out, w)
		}
	}
	return out
}

// window decodes one window block; ok is false when it has problems.
func (d *decoder) window(b *hcl.Block) (Window, bool) {
	at := d.content(b.Body, windowSchema).Attributes
	w := Window{Name: b.Labels[0]}
	before := len(d.diags)
	d.require(at, "schedule", b, "when the window opens, "+cronDetail)
	d.require(at, "duration", b, `how long it stays open, e.g. "6h"`)
	w.Location = d.location(at, "timezone")
	w.Schedule, w.Cron = d.schedule(at, "schedule", w.Location)
	d.duration(at, "duration", &w.Duration, false)
	var emptyAllow, emptyDeny bool
	w.Allow, emptyAllow = d.kindList(at, "allow")
	w.Deny, emptyDeny = d.kindList(at, "deny")
	allow, deny := at["allow"], at["deny"]
	switch {
	case allow != nil && deny != nil:
		d.fail(deny.NameRange, "Both allow and deny",
			"A window either allows some kinds (holding them outside it) or denies some kinds while open; keep one of allow and deny.")
	case allow == nil && deny == nil:
		d.fail(b.DefRange, "Missing allow or deny",
			`A window needs one of allow = [kinds] or deny = [kinds], e.g. allow = ["delete_ns_snapshot"].`)
	case emptyAllow:
		d.fail(allow.Expr.Range(), "Empty kind list", "allow must list at least one action kind.")
	case emptyDeny:
		d.fail(deny.Expr.Range(), "Empty kind list", "deny must list at least one action kind.")
	}
	return w, !d.diags[before:].HasErrors()
}
