package guard

import (
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

var want = vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc`}

func act(k actions.Kind, server string, round int, mode vocab.Mode, reqs ...string) actions.Action {
	t := actions.Target{Server: vocab.Host(server)}
	a := actions.Action{Kind: k, Target: t, Round: round, Mode: mode,
		Reasons: []actions.Reason{{Cause: actions.StatusLost, Requires: reqs}}}
	if mode == vocab.ACC {
		a.Account = want.Account
	}
	a.ID = actions.FormatID(k, t, round, mode)
	return a
}

func gates(p *policy.Policy) *Gates {
	if p.Mode == "" {
		p.Mode = policy.Enforce
	}
	p.Credential = want
	return New(p, NewLimiter(p.Limits), NewBreaker(0), NewApprovals(time.Hour))
}

func TestGatesOrderAndRules(t *testing.T) {
	del := act(actions.DeletePSSnapshot, "PS001", 0, "")
	tests := []struct {
		name string
		pol  policy.Policy
		prep func(g *Gates)
		rule string
	}{
		{"admitted", policy.Policy{}, nil, ""},
		{"dry run first", policy.Policy{Mode: policy.DryRun, Approve: []actions.Kind{actions.DeletePSSnapshot}}, nil, "mode dry-run"},
		{"dry-run kind", policy.Policy{DryRunKinds: []actions.Kind{actions.DeletePSSnapshot}}, nil, "mode dry-run"},
		{"scope before limits", policy.Policy{Scope: policy.Scope{Include: []string{"PS9*"}},
			Limits: []policy.Limit{{Kind: actions.DeletePSSnapshot, Max: 1, Per: time.Hour}}},
			func(g *Gates) { g.Limiter.Record(actions.DeletePSSnapshot, t0) }, "scope"},
		{"limit", policy.Policy{Limits: []policy.Limit{{Kind: actions.DeletePSSnapshot, Max: 1, Per: time.Hour}}},
			func(g *Gates) { g.Limiter.Record(actions.DeletePSSnapshot, t0) }, "limit delete_ps_snapshot 1/1h0m0s"},
		{"breaker", policy.Policy{}, func(g *Gates) { g.Breaker.Trip(t0, "grew") }, "breaker open: grew"},
		{"approval last", policy.Policy{Approve: []actions.Kind{actions.DeletePSSnapshot}}, nil,
			"approval required: reconciler approve " + del.ID},
		{"approved", policy.Policy{Approve: []actions.Kind{actions.DeletePSSnapshot}},
			func(g *Gates) { g.Approvals.Approve(t0, del.ID) }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := gates(&tc.pol)
			if tc.prep != nil {
				tc.prep(g)
			}
			h := g.Admit(actions.Plan{Actions: []actions.Action{del}}, t0)[del.ID]
			if h.Rule() != tc.rule {
				t.Errorf("rule = %q, want %q", h.Rule(), tc.rule)
			}
		})
	}
}

func TestGatesSharedBudgetAndDependencies(t *testing.T) {
	pol := &policy.Policy{Limits: []policy.Limit{{Kind: actions.DeleteNSSnapshot, Max: 2, Per: time.Hour},
		{Kind: actions.DeletePSSnapshot, Max: 1, Per: time.Hour}}}
	g := gates(pol)
	n1, n2, n3 := act(actions.DeleteNSSnapshot, "", 0, ""), act(actions.DeleteNSSnapshot, "", 0, ""), act(actions.DeleteNSSnapshot, "", 0, "")
	n1.ID, n2.ID, n3.ID = "n1", "n2", "n3"
	// p3 needs the held n3: it waits, reserves nothing, so p1 still gets
	// the one delete_ps_snapshot of the budget.
	p3 := act(actions.DeletePSSnapshot, "PS003", 0, "", "n3")
	p1 := act(actions.DeletePSSnapshot, "PS001", 0, "", "n1")
	holds := g.Admit(actions.Plan{Actions: []actions.Action{n1, n2, n3, p3, p1}}, t0)
	want := map[string]string{"n3": "limit delete_ns_snapshot 2/1h0m0s", p3.ID: "dependency n3"}
	if len(holds) != len(want) {
		t.Fatalf("holds = %v, want %v (the third deletion over a budget of 2, and what waits for it)", holds, want)
	}
	for id, rule := range want {
		if holds[id].Rule() != rule {
			t.Errorf("%s held by %q, want %q", id, holds[id].Rule(), rule)
		}
	}
}

func TestGatesBlastRadius(t *testing.T) {
	pol := &policy.Policy{Reconcile: policy.Reconcile{MaxServersPerPass: 2}}
	g := gates(pol)
	plan := actions.Plan{Actions: []actions.Action{
		act(actions.UpdateConfiguration, "PS001", 0, ""), act(actions.ResendStatus, "PS001", 0, ""),
		act(actions.ResendStatus, "PS002", 0, ""), act(actions.ResendStatus, "PS003", 0, ""),
		act(actions.RunPackageRefresh, "", 0, ""),
	}}
	holds := g.Admit(plan, t0)
	if len(holds) != 1 || holds["resend_status:PS003"].Rule() != "blast_radius 2 servers per pass" {
		t.Fatalf("holds = %v, want PS003 held by the blast radius only", holds)
	}
}

func TestSpentCountsEveryAction(t *testing.T) {
	g := gates(&policy.Policy{Limits: []policy.Limit{{Kind: actions.SetCredentialMode, Max: 9, Per: time.Hour}}})
	g.Spent(act(actions.SetCredentialMode, "", 1, vocab.Anonymous), t0)
	g.Spent(act(actions.SetCredentialMode, "", 2, vocab.ACC), t0)
	if used := g.Limiter.Used(actions.SetCredentialMode, t0); used != 2 {
		t.Fatalf("a whole cycle spent %d, want 2", used)
	}
	g.CycleOpen = true
	g.Spent(act(actions.SetCredentialMode, "", 0, vocab.ACC), t0)
	if used := g.Limiter.Used(actions.SetCredentialMode, t0); used != 3 {
		t.Fatalf("the restore of an open cycle is counted like any action: used %d, want 3", used)
	}
}
