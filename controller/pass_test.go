package controller

import (
	"context"
	"errors"

	"encoding/json"
	"github.com/itms-tools/reconciler/vocab"

	"github.com/itms-tools/reconciler/audit"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	simscenario "github.com/itms-tools/reconciler/site/sim/scenario"
)

func TestDemoConvergesWithinLimits(t *testing.T) {
	sc, err := simscenario.Builtin("demo")
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, sc, `limit "delete_ns_snapshot" {
  max = 1
  per = "1h"
}
reconcile {
  pending_grace = "10m"
}
`)
	deletions := 0
	for i := 0; i < 12 && !(r.site.NotReady() == 0 && i > 0); i++ {
		res := r.pass()
		deletions += countKind(res, actions.DeleteNSSnapshot, actions.Applied)
		r.clk.Advance(2 * time.Minute)
	}
	if n := r.site.NotReady(); n != 0 {
		t.Fatalf("not converged: %d pairs not Ready", n)
	}
	if deletions > 1 {
		t.Fatalf("%d NS deletions in an hour, limit 1", deletions)
	}
	if final := r.pass(); !final.Plan.Empty() {
		t.Fatalf("plan after convergence: %v", final.Plan.Actions)
	}
	if r.site.UnsafePathsTouched() != 0 {
		t.Fatal("unsafe paths touched")
	}
	r.verifyJournal()
}

func TestDryRunChangesNothing(t *testing.T) {
	sc, err := simscenario.Builtin("demo")
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, sc, "")
	r.pol.Mode = "dry-run"
	before := r.site.StateKey()
	res := r.pass()
	if res.Plan.Empty() {
		t.Fatal("demo planned nothing")
	}
	if after := r.site.StateKey(); after != before {
		t.Fatal("dry run changed the site")
	}
	out := r.outcomes()
	for k, n := range out {
		if k[:7] != "skipped" && k[:8] != "deferred" {
			t.Errorf("%d × %s in dry run", n, k)
		}
	}
	if !hasKey(out, "skipped set_credential_mode [mode]") {
		t.Errorf("no skipped record with the dry-run rule: %v", out)
	}
	r.verifyJournal()
}

const staleNS = `{"name": "stale-ns", "seed": 3, "servers": 4, "packages": 10,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "stale_ns_snapshot", "count": 2, "packages": 5}]}`

func TestLimitHoldsAcrossRestartAndClockJumps(t *testing.T) {
	r := newRig(t, scenario(t, staleNS), `limit "delete_ns_snapshot" {
  max = 2
  per = "1h"
}
`)
	steps := []struct {
		name    string
		advance time.Duration
		restart bool
		want    int
	}{
		{"first pass spends the budget", 0, false, 2},
		{"restart grants nothing", time.Minute, true, 0},
		{"clock set back grants nothing", -3 * time.Hour, false, 0},
		{"an hour after the spends", 3*time.Hour + time.Hour, true, 2},
		{"the rest", time.Hour + time.Minute, false, 1},
	}
	for _, s := range steps {
		r.clk.Advance(s.advance)
		if s.restart {
			r.restart()
		}
		res := r.pass()
		if got := countKind(res, actions.DeleteNSSnapshot, actions.Applied); got != s.want {
			t.Fatalf("%s: %d deletions applied, want %d", s.name, got, s.want)
		}
	}
	if n := r.site.NotReady(); n != 0 {
		t.Fatalf("not converged: %d", n)
	}
	out := r.outcomes()
	if out["deferred delete_ns_snapshot [limit]"] == 0 || out["deferred delete_ps_snapshot [dependency]"] == 0 {
		t.Fatalf("deferrals not recorded: %v", out)
	}
	r.verifyJournal()
}

func TestBlastRadiusCapsServersPerPass(t *testing.T) {
	sc := scenario(t, `{"name": "lost", "seed": 1, "servers": 6, "packages": 3,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "status_lost", "count": 5}]}`)
	r := newRig(t, sc, "reconcile {\n max_servers_per_pass = 2\n}\n")
	want := []int{2, 2, 1, 0}
	for i, w := range want {
		res := r.pass()
		if got := len(res.Exec.Touched(res.Plan)); got != w {
			t.Fatalf("pass %d touched %d servers, want %d", i+1, got, w)
		}
	}
	if !hasKey(r.outcomes(), "deferred resend_status [blast_radius]") {
		t.Fatal("no blast_radius deferral recorded")
	}
}

func TestApprovalGate(t *testing.T) {
	sc := scenario(t, `{"name": "stuck", "seed": 1, "servers": 3, "packages": 3,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "credential_stuck", "servers": ["PS002"]}]}`)
	r := newRig(t, sc, `approve = ["set_credential_mode"]`+"\n")
	res := r.pass()
	if res.Applied() != 0 {
		t.Fatalf("applied %d actions without approval", res.Applied())
	}
	held := res.Exec.Steps["set_credential_mode:NS:anonymous#1"]
	if held.Outcome != actions.Deferred || held.Rule() == "" {
		t.Fatalf("round 1 = %+v, want deferred awaiting approval", held)
	}
	r.ctl.Approvals().Approve(r.clk.Now(), "set_credential_mode:NS:anonymous#1", "set_credential_mode:NS:acc#2")
	res = r.pass()
	if got := countKind(res, actions.SetCredentialMode, actions.Applied); got != 2 {
		t.Fatalf("after approval applied %d set_credential_mode, want 2", got)
	}
	if r.site.NotReady() != 0 {
		t.Fatalf("not converged after the approved cycle: %d", r.site.NotReady())
	}
	if r.ctl.Approvals().Approved("set_credential_mode:NS:acc#2", r.clk.Now()) {
		t.Fatal("approval not used up by the applied action")
	}
}

// A held action is recorded when first held and when its rule changes, not
// at every pass; the pass_end record counts the repeats.
func TestHoldsRecordedOncePerRule(t *testing.T) {
	r := newRig(t, scenario(t, staleNS), `limit "delete_ns_snapshot" {
  max = 2
  per = "1h"
}
`)
	for range 3 {
		r.pass()
		r.clk.Advance(5 * time.Minute)
	}
	perAction := map[string]int{}
	unchanged := 0
	for _, rec := range r.records() {
		if rec.Type == audit.TypeOutcome && rec.Outcome == audit.Deferred {
			perAction[rec.Action+" "+rec.Rule]++
		}
		if rec.Type == audit.TypePassEnd {
			var d struct {
				Holds int `json:"holds_unchanged"`
			}
			if err := json.Unmarshal(rec.Detail, &d); err != nil {
				t.Fatal(err)
			}
			unchanged += d.Holds
		}
	}
	if len(perAction) == 0 {
		t.Fatal("no deferral recorded")
	}
	for k, n := range perAction {
		if n != 1 {
			t.Errorf("%s recorded %d times", k, n)
		}
	}
	if unchanged == 0 {
		t.Error("repeated holds not counted in pass_end")
	}
}

// A reset cycle cut after its round 1 (here round 2 fails; a crash leaves
// the same journal) must not leave the NS on anonymous, even when the
// set_credential_mode budget is spent and even across a restart; the
// restore is counted all the same.
func TestResetCycleCutShortStillRestoresTheCredential(t *testing.T) {
	sc := scenario(t, `{"name": "stuck", "seed": 1, "servers": 3, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "credential_stuck", "servers": ["PS002"]}]}`)
	r := newRig(t, sc, `limit "set_credential_mode" {
  max = 2
  per = "24h"
}
`)
	fl := &flaky{Driver: r.site, fails: map[string]int{"set_credential_mode:NS:acc#2": 1}, err: errors.New("NS unreachable")}
	r.ctl.site.Driver = fl
	r.pass()
	ns, _ := r.site.Setting(context.Background())
	if ns.Credential.Mode != vocab.Anonymous {
		t.Fatalf("setup: NS is %s, want anonymous after the cut cycle", ns.Credential)
	}
	r.restart()
	r.ctl.site.Driver = fl
	res := r.pass()
	if got := countKind(res, actions.SetCredentialMode, actions.Applied); got != 1 {
		t.Fatalf("restore applied %d times; steps %+v", got, res.Exec.Steps)
	}
	ns, _ = r.site.Setting(context.Background())
	if !ns.Credential.Equal(vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}) {
		t.Fatalf("NS left on %s", ns.Credential)
	}
	// Every started change counts: round 1, the round 2 that failed, and
	// the restore, admitted over the limit because the cycle was open.
	if used := r.ctl.Limiter().Used(actions.SetCredentialMode, r.clk.Now()); used != 3 {
		t.Fatalf("%d set_credential_mode counted, want 3 (round 1, the failed round 2, the restore)", used)
	}
}
