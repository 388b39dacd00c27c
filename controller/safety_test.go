package controller

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
)

var policyAcc = vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}

// driftAndStuck is the reproduction: the NS holds an old account,
// the policy another; PS002 is stuck.
const driftAndStuck = `{"name": "drift-stuck", "seed": 1, "servers": 3, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-old"},
  "faults": [{"kind": "credential_stuck", "servers": ["PS002"]}]}`

var (
	round1 = actions.FormatID(actions.SetCredentialMode, actions.Target{}, 1, vocab.Anonymous)
	round2 = actions.FormatID(actions.SetCredentialMode, actions.Target{}, 2, vocab.ACC)
)

// planOnly is what `reconciler plan` would show now.
func (r *rig) planOnly() PassResult {
	r.t.Helper()
	res, err := r.ctl.PlanOnly(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return res
}

// checkPlanIsPass asserts that `plan` shows the pass's own decision.
func checkPlanIsPass(t *testing.T, plan, pass PassResult) {
	t.Helper()
	if plan.Plan.ID != pass.Plan.ID || !maps.Equal(plan.Holds, pass.Holds) {
		t.Errorf("plan shows %s holds %v\npass ran %s holds %v", plan.Plan.ID, plan.Holds, pass.Plan.ID, pass.Holds)
	}
}

// Nobody approves: neither round runs (round 2 used to, as the drift fix);
// one approval, of the cycle's key, then lets both run; `plan` shows what
// each pass decides.
func TestCycleApprovalCoversBothRounds(t *testing.T) {
	r := newRig(t, scenario(t, driftAndStuck), `approve = ["set_credential_mode"]
`)
	plan := r.planOnly()
	res := r.pass()
	checkPlanIsPass(t, plan, res)
	if n := countKind(res, actions.SetCredentialMode, actions.Applied); n != 0 {
		t.Fatalf("%d set_credential_mode applied without approval; holds %v", n, res.Holds)
	}
	for _, id := range []string{round1, round2} {
		if h := res.Holds[id]; h.Rule() != "approval required: reconciler approve "+round1 {
			t.Errorf("%s held by %q, want the cycle's approval", id, h.Rule())
		}
	}
	r.ctl.Approvals().Approve(r.clk.Now(), round1)
	r.clk.Advance(time.Minute)
	plan = r.planOnly()
	res = r.pass()
	checkPlanIsPass(t, plan, res)
	if res.Exec.Steps[round1].Outcome != actions.Applied || res.Exec.Steps[round2].Outcome != actions.Applied {
		t.Fatalf("after one approval: round 1 %v, round 2 %v", res.Exec.Steps[round1], res.Exec.Steps[round2])
	}
	if ns, _ := r.site.Setting(context.Background()); !ns.Credential.Equal(policyAcc) {
		t.Fatalf("NS on %s", ns.Credential)
	}
	if r.ctl.Approvals().Approved(round1, r.clk.Now()) {
		t.Error("the approval was not used up by the cycle")
	}
}

// A cycle cut after round 1 is found open from the journal after a
// restart, and `plan` shows its restore admitted over the approval the
// policy now asks for and over a spent budget, as the pass does.
func TestOpenCycleFromJournalShownByPlan(t *testing.T) {
	r := newRig(t, scenario(t, `{"name": "stuck", "seed": 1, "servers": 3, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "credential_stuck", "servers": ["PS002"]}]}`), `limit "set_credential_mode" {
  max = 2
  per = "24h"
}
`)
	fl := &flaky{Driver: r.site, fails: map[string]int{round2: 1}, err: errors.New("NS unreachable")}
	r.ctl.site.Driver = fl
	r.pass()
	r.pol.Approve = []actions.Kind{actions.SetCredentialMode}
	r.restart()
	r.ctl.site.Driver = fl
	plan := r.planOnly()
	res := r.pass()
	checkPlanIsPass(t, plan, res)
	if _, held := plan.Holds[round2]; held {
		t.Fatalf("plan holds the restore of the open cycle: %v", plan.Holds)
	}
	if ns, _ := r.site.Setting(context.Background()); !ns.Credential.Equal(policyAcc) {
		t.Fatalf("NS left on %s", ns.Credential)
	}
}

// The NS is moved to the policy's account while PS006 is unreachable.
// After the change every server is observed once more (a full sweep), then
// every pass observes the server that has not taken it yet, PS006, until
// it is back and has taken the new credential and the account's Full
// Control, though all its rows stay Ready; then full sweeps are hourly.
func TestSweepAfterCredentialChangeFindsTheUnreachableServer(t *testing.T) {
	r := newRig(t, scenario(t, `{"name": "sweep", "seed": 1, "servers": 8, "packages": 3,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-old"},
  "faults": [{"kind": "unreachable", "servers": ["PS006"], "from": "0s", "for": "1h"}]}`), `reconcile {
  schedule = "*/5 * * * *"
}
`)
	var full, sawPS006, sawPS001 []bool
	for range 27 { // 0 … 2h10m
		res := r.pass()
		_, ps006 := res.Obs.Agent("PS006")
		_, ps001 := res.Obs.Agent("PS001")
		full, sawPS006, sawPS001 = append(full, res.Swept), append(sawPS006, ps006), append(sawPS001, ps001)
		r.clk.Advance(5 * time.Minute)
	}
	f, err := r.site.Agent(context.Background(), "PS006", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Applied.Equal(policyAcc) || !hasPrincipal(f.FullControl, policyAcc.Account) {
		t.Fatalf("PS006 forgotten: applied %s, Full Control %v", f.Applied, f.FullControl)
	}
	for i := range full {
		// Passes 0 (the drift) and 1 (after the change) list everything;
		// 2 … 12 observe PS006, which took the change at 12 (1h); full
		// sweeps come back an hour after the last, at 13 and 25.
		wantFull := i <= 1 || i == 13 || i == 25
		if full[i] != wantFull || sawPS006[i] != (wantFull || i <= 12) || sawPS001[i] != wantFull {
			t.Errorf("pass %d at %s: full sweep %t, PS006 observed %t, PS001 observed %t; want %t, %t, %t",
				i, time.Duration(i)*5*time.Minute, full[i], sawPS006[i], sawPS001[i], wantFull, wantFull || i <= 12, wantFull)
		}
	}
}

// A stuck server unreachable while the drift is fixed is, once back, known
// stuck from the NS credential at its policy version, remembered across a
// restart: the reset cycle comes at once, with no update and report first.
func TestStuckBehindFromJournalAfterRestart(t *testing.T) {
	r := newRig(t, scenario(t, `{"name": "behind", "seed": 1, "servers": 3, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-old"},
  "faults": [{"kind": "credential_stuck", "servers": ["PS002"]},
             {"kind": "unreachable", "servers": ["PS002"], "from": "0s", "for": "30m"}]}`), "")
	if res := r.pass(); countKind(res, actions.SetCredentialMode, actions.Applied) != 1 {
		t.Fatalf("the drift fix did not run: %v", res.Exec.Steps)
	}
	r.restart()
	r.clk.Advance(31 * time.Minute)
	res := r.pass()
	if res.Exec.Steps[round1].Outcome != actions.Applied {
		t.Fatalf("PS002 back: plan %v, steps %v; want the reset cycle at once", planIDs(res.Plan), res.Exec.Steps)
	}
	if n := r.site.NotReady(); n != 0 {
		t.Errorf("%d pairs not Ready after the cycle", n)
	}
}

func planIDs(p actions.Plan) []string {
	out := make([]string, len(p.Actions))
	for i, a := range p.Actions {
		out[i] = a.ID
	}
	return out
}

func hasPrincipal(acl []string, account string) bool {
	for _, p := range acl {
		if p == account {
			return true
		}
	}
	return false
}

// A round 1 that failed leaves the NS where it was: nothing is open, and
// round 2 (the drift fix too) still waits for its approval.
func TestFailedRoundOneOpensNothing(t *testing.T) {
	r := newRig(t, scenario(t, driftAndStuck), "")
	fl := &flaky{Driver: r.site, fails: map[string]int{round1: 1}, err: errors.New("NS unreachable")}
	r.ctl.site.Driver = fl
	if res := r.pass(); res.Exec.Steps[round1].Outcome != actions.Failed {
		t.Fatalf("setup: round 1 %v", res.Exec.Steps[round1])
	}
	r.pol.Approve = []actions.Kind{actions.SetCredentialMode}
	r.restart()
	r.clk.Advance(time.Minute)
	res := r.pass()
	if n := countKind(res, actions.SetCredentialMode, actions.Applied); n != 0 {
		t.Fatalf("%d set_credential_mode applied without approval after a failed round 1; holds %v", n, res.Holds)
	}
}
