package guard

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/schedule"
	"github.com/itms-tools/reconciler/vocab"
)

// step builds an action as the planner does, with one reason per list of
// requirements (an empty list is a reason that needs nothing).
func step(k actions.Kind, server string, round int, mode vocab.Mode, reasons ...[]string) actions.Action {
	a := act(k, server, round, mode)
	a.Reasons = nil
	for _, reqs := range reasons {
		a.Reasons = append(a.Reasons, actions.Reason{Cause: actions.CredentialStuck, Requires: reqs})
	}
	return a
}

// cyclePlan is the planner's plan for an NS credential drift with stuck
// servers: round 1 (unless the NS is already anonymous), each stuck
// server's first update, round 2 (the drift fix too), each stuck server's
// second update and report; every other server takes the new credential
// after round 2.
func cyclePlan(round1 bool, stuck, others []string) actions.Plan {
	var p []actions.Action
	var r1 []string
	if round1 {
		a := step(actions.SetCredentialMode, "", 1, vocab.Anonymous, nil)
		p = append(p, a)
		r1 = []string{a.ID}
	}
	r2 := step(actions.SetCredentialMode, "", 2, vocab.ACC, nil, r1)
	for _, s := range stuck {
		p = append(p, step(actions.UpdateConfiguration, s, 1, "", r1))
	}
	p = append(p, r2)
	for _, s := range stuck {
		u1 := actions.FormatID(actions.UpdateConfiguration, actions.Target{Server: vocab.Host(s)}, 1, "")
		u2 := step(actions.UpdateConfiguration, s, 2, "", []string{r2.ID, u1})
		p = append(p, u2, step(actions.ResendStatus, s, 0, "", []string{u1, u2.ID}))
	}
	for _, s := range others {
		p = append(p, step(actions.UpdateConfiguration, s, 0, "", []string{r2.ID}))
	}
	return actions.Plan{Actions: p}
}

var (
	r1ID = actions.FormatID(actions.SetCredentialMode, actions.Target{}, 1, vocab.Anonymous)
	r2ID = actions.FormatID(actions.SetCredentialMode, actions.Target{}, 2, vocab.ACC)
)

func u(server string, round int) string {
	return actions.FormatID(actions.UpdateConfiguration, actions.Target{Server: vocab.Host(server)}, round, "")
}

func resend(server string) string {
	return actions.FormatID(actions.ResendStatus, actions.Target{Server: vocab.Host(server)}, 0, "")
}

// admitted lists the plan's actions absent from holds, sorted.
func admitted(p actions.Plan, holds map[string]actions.Hold) []string {
	var out []string
	for _, a := range p.Actions {
		if _, held := holds[a.ID]; !held {
			out = append(out, a.ID)
		}
	}
	sort.Strings(out)
	return out
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	sort.Strings(out)
	return out
}

// alwaysOpen is a window open at any time.
func alwaysOpen(name string, deny ...actions.Kind) policy.Window {
	s, err := schedule.Parse("@every 1m", time.UTC)
	if err != nil {
		panic(err)
	}
	return policy.Window{Name: name, Cron: s, Duration: time.Hour, Deny: deny}
}

// TestResetCycleAdmission reproduces, at the gates, every way round 1 or
// round 2 of the reset cycle got past a gate, or round 1 ran for nothing:
// each set_credential_mode passes every gate as an action of its own, and
// the cycle starts only when every step of it would be admitted.
func TestResetCycleAdmission(t *testing.T) {
	drift := cyclePlan(true, []string{"PS002"}, []string{"PS001", "PS003"})
	whole := sorted(r1ID, u("PS002", 1), r2ID, u("PS002", 2), resend("PS002"), u("PS001", 0), u("PS003", 0))
	limit1 := []policy.Limit{{Kind: actions.SetCredentialMode, Max: 1, Per: 24 * time.Hour}}
	tests := []struct {
		name     string
		pol      policy.Policy
		prep     func(g *Gates)
		plan     actions.Plan
		admitted []string
		rules    map[string]string // some holds, by id
	}{
		{name: "no gate: the whole cycle", plan: drift, admitted: whole},
		{name: "approval, none given: nothing runs, round 2 included",
			pol: policy.Policy{Approve: []actions.Kind{actions.SetCredentialMode}}, plan: drift,
			rules: map[string]string{r1ID: "approval required: reconciler approve " + r1ID,
				r2ID: "approval required: reconciler approve " + r1ID, u("PS002", 1): "dependency " + r1ID,
				u("PS001", 0): "dependency " + r2ID}},
		{name: "one approval covers both rounds",
			pol:  policy.Policy{Approve: []actions.Kind{actions.SetCredentialMode}},
			prep: func(g *Gates) { g.Approvals.Approve(t0, r1ID) }, plan: drift, admitted: whole},
		{name: "approving round 2 alone approves nothing",
			pol:  policy.Policy{Approve: []actions.Kind{actions.SetCredentialMode}},
			prep: func(g *Gates) { g.Approvals.Approve(t0, r2ID) }, plan: drift,
			rules: map[string]string{r2ID: "approval required: reconciler approve " + r1ID}},
		{name: "deny window on set_credential_mode: nothing runs",
			pol: policy.Policy{Windows: []policy.Window{alwaysOpen("night", actions.SetCredentialMode)}}, plan: drift,
			rules: map[string]string{r1ID: "window night denies set_credential_mode",
				r2ID: "window night denies set_credential_mode"}},
		{name: "limit 1 per 24h: the cycle needs two, nothing runs",
			pol: policy.Policy{Limits: limit1}, plan: drift,
			rules: map[string]string{r1ID: "reset cycle: " + r2ID + " would be held by limit set_credential_mode 1/24h0m0s",
				r2ID: "reset cycle: " + r2ID + " would be held by limit set_credential_mode 1/24h0m0s"}},
		{name: "limit 2 per 24h with one spent: nothing runs",
			pol:  policy.Policy{Limits: []policy.Limit{{Kind: actions.SetCredentialMode, Max: 2, Per: 24 * time.Hour}}},
			prep: func(g *Gates) { g.Limiter.Record(actions.SetCredentialMode, t0) }, plan: drift,
			rules: map[string]string{r1ID: "reset cycle: " + r2ID + " would be held by limit set_credential_mode 2/24h0m0s"}},
		{name: "deny window on update_configuration: round 1 does not run for nothing",
			pol: policy.Policy{Windows: []policy.Window{alwaysOpen("freeze", actions.UpdateConfiguration)}}, plan: drift,
			rules: map[string]string{r1ID: "reset cycle: " + u("PS002", 1) + " would be held by window freeze denies update_configuration",
				r2ID: "reset cycle: " + u("PS002", 1) + " would be held by window freeze denies update_configuration"}},
		{name: "dry run of update_configuration: round 1 does not run for nothing",
			pol: policy.Policy{DryRunKinds: []actions.Kind{actions.UpdateConfiguration}}, plan: drift,
			rules: map[string]string{r1ID: "reset cycle: " + u("PS002", 1) + " would be held by mode dry-run",
				r2ID: "reset cycle: " + u("PS002", 1) + " would be held by mode dry-run"}},
		{name: "approval of update_configuration missing: the cycle waits",
			pol: policy.Policy{Approve: []actions.Kind{actions.UpdateConfiguration}}, plan: drift,
			rules: map[string]string{r1ID: "reset cycle: " + u("PS002", 1) + " would be held by approval required: reconciler approve " + u("PS002", 1)}},
		{name: "blast radius 1: the stuck server is served first, the others wait",
			pol:      policy.Policy{Reconcile: policy.Reconcile{MaxServersPerPass: 1}},
			plan:     cyclePlan(true, []string{"PS002", "PS003"}, []string{"PS001"}),
			admitted: sorted(r1ID, u("PS002", 1), r2ID, u("PS002", 2), resend("PS002")),
			rules: map[string]string{u("PS003", 1): "blast_radius 1 servers per pass",
				u("PS003", 2): "dependency " + u("PS003", 1), u("PS001", 0): "blast_radius 1 servers per pass"}},
		{name: "blast radius taken by other repairs: the cycle waits whole",
			pol: policy.Policy{Reconcile: policy.Reconcile{MaxServersPerPass: 1}},
			plan: actions.Plan{Actions: append([]actions.Action{act(actions.ResendStatus, "PS001", 0, "")},
				cyclePlan(true, []string{"PS002"}, nil).Actions...)},
			admitted: []string{resend("PS001")},
			rules:    map[string]string{r1ID: "reset cycle: " + u("PS002", 1) + " would be held by blast_radius 1 servers per pass"}},
		{name: "NS already anonymous: no round 1, round 2's id is the approval key",
			pol: policy.Policy{Approve: []actions.Kind{actions.SetCredentialMode}}, plan: cyclePlan(false, []string{"PS002"}, nil),
			rules: map[string]string{r2ID: "approval required: reconciler approve " + r2ID}},
		{name: "open cycle: its restore runs over approval, window and limit, the updates wait",
			pol: policy.Policy{Approve: []actions.Kind{actions.SetCredentialMode}, Limits: limit1,
				Windows: []policy.Window{alwaysOpen("freeze", actions.SetCredentialMode, actions.UpdateConfiguration)}},
			prep: func(g *Gates) { g.CycleOpen = true; g.Limiter.Record(actions.SetCredentialMode, t0) },
			plan: cyclePlan(false, []string{"PS002"}, []string{"PS001"}), admitted: []string{r2ID},
			rules: map[string]string{u("PS002", 1): "window freeze denies update_configuration"}},
		{name: "open cycle: dry run still holds the restore",
			pol: policy.Policy{Mode: policy.DryRun}, prep: func(g *Gates) { g.CycleOpen = true },
			plan: cyclePlan(false, []string{"PS002"}, nil), rules: map[string]string{r2ID: "mode dry-run"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := gates(&tc.pol)
			if tc.prep != nil {
				tc.prep(g)
			}
			holds := g.Admit(tc.plan, t0)
			if got := admitted(tc.plan, holds); !slices.Equal(got, tc.admitted) {
				t.Errorf("admitted %v\nwant     %v\nholds %v", got, tc.admitted, holds)
			}
			for id, rule := range tc.rules {
				if holds[id].Rule() != rule {
					t.Errorf("%s held by %q\nwant %q", id, holds[id].Rule(), rule)
				}
			}
			checkCycleWhole(t, tc.plan, holds, g.CycleOpen)
		})
	}
}

// checkCycleWhole asserts the cycle's invariant on any decision: round 1
// runs only with round 2 and both updates of at least one stuck server,
// and a stuck server's update runs only with its other one.
func checkCycleWhole(t *testing.T, p actions.Plan, holds map[string]actions.Hold, open bool) {
	t.Helper()
	cy := FindCycle(p)
	if cy == nil {
		return
	}
	runs := func(a *actions.Action) bool {
		if a == nil {
			return false
		}
		_, held := holds[a.ID]
		return !held
	}
	served := 0
	for _, s := range cy.Servers {
		if runs(cy.First[s]) != runs(cy.Second[s]) {
			t.Errorf("%s: one update of the cycle runs without the other", s)
		}
		if runs(cy.First[s]) {
			served++
		}
	}
	started := cy.Round1 == nil && runs(cy.Round2) && !open || runs(cy.Round1)
	if started && (!runs(cy.Round2) || served == 0) {
		t.Errorf("the cycle starts without round 2 or a served server: holds %v", holds)
	}
	if !started && served > 0 && !open {
		t.Errorf("stuck servers' updates run without the cycle: holds %v", holds)
	}
}

// A snapshot deletion waits with the update that restores the file: no
// snapshot.xml is deleted and left missing.
func TestDeletionWaitsWithItsRestore(t *testing.T) {
	del := step(actions.DeletePSSnapshot, "PS001", 0, "", nil)
	del.Target.Package = "00000000-0000-0000-0000-000000000001"
	del.ID = actions.FormatID(del.Kind, del.Target, 0, "")
	st := step(actions.DeletePSStatus, "PS001", 0, "", []string{del.ID})
	st.Target.Package, st.ID = del.Target.Package, actions.FormatID(actions.DeletePSStatus, del.Target, 0, "")
	upd := step(actions.UpdateConfiguration, "PS001", 0, "", []string{del.ID, st.ID})
	rs := step(actions.ResendStatus, "PS001", 0, "", []string{del.ID, st.ID, upd.ID})
	plan := actions.Plan{Actions: []actions.Action{del, st, upd, rs}}
	g := gates(&policy.Policy{Windows: []policy.Window{alwaysOpen("freeze", actions.UpdateConfiguration)}})
	holds := g.Admit(plan, t0)
	if got := admitted(plan, holds); len(got) != 0 {
		t.Fatalf("admitted %v, want nothing: the update that restores the snapshot is held", got)
	}
	if r := holds[del.ID].Rule(); !strings.HasPrefix(r, "snapshot restore "+upd.ID+" would be held by window freeze") ||
		holds[del.ID].Class != actions.HoldWindow {
		t.Errorf("deletion held by %q (class %s)", r, holds[del.ID].Class)
	}
	if g := gates(&policy.Policy{}); len(g.Admit(plan, t0)) != 0 {
		t.Error("without the window, something is held")
	}
}
