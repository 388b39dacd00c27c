package planner_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/actions/planner"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

// credentialFaults are the faults of the credential rows of the cause
// table, and the others a credential change meets.
var credentialFaults = []string{"credential_stuck", "credential_stuck", "credential_not_received", "acl_missing",
	"status_lost", "stale_ps_snapshot"}

// driftEstate draws an estate whose NS credential differs from the
// policy's (an old account, or anonymous), with one to three credential
// faults on distinct servers (stuck servers among them, mixed with the
// drift), and, when unreachable is set, one more server that cannot be
// reached for the first hour, with a fault of its own or none.
func driftEstate(seed uint64, unreachable bool) (*scenario.Scenario, vocab.Credential, vocab.Host) {
	r := rand.New(rand.NewPCG(seed, 7))
	want := vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}
	ns := vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-old`}
	if r.IntN(3) == 0 {
		ns = vocab.Credential{Mode: vocab.Anonymous}
	}
	servers := 2 + r.IntN(2)
	order := r.Perm(servers)
	var faults []string
	n := 1 + r.IntN(3)
	if unreachable {
		n = min(n, servers-1)
	}
	for i := range min(n, servers) {
		k := credentialFaults[r.IntN(len(credentialFaults))]
		faults = append(faults, fmt.Sprintf(`{"kind": %q, "servers": [%q]}`, k, scenario.ServerName(order[i], servers)))
	}
	var off vocab.Host
	if unreachable {
		off = vocab.Host(scenario.ServerName(order[servers-1], servers))
		if k := []string{"", "credential_stuck", "stale_ps_snapshot"}[r.IntN(3)]; k != "" {
			faults = append(faults, fmt.Sprintf(`{"kind": %q, "servers": [%q]}`, k, off))
		}
		faults = append(faults, fmt.Sprintf(`{"kind": "unreachable", "servers": [%q], "from": "0s", "for": "1h"}`, off))
	}
	js := fmt.Sprintf(`{"name": "prop-drift", "seed": %d, "servers": %d, "packages": 2,
	  "credential": {"mode": %q, "account": %q}, "faults": [%s]}`,
		seed, servers, ns.Mode, ns.Account, strings.Join(faults, ","))
	sc, err := scenario.Parse("prop-drift.json", []byte(js))
	if err != nil {
		panic(err)
	}
	return sc, want, off
}

// TestPlannerIsShortestWithDriftAndStuck proves minimality by search on
// estates that mix an NS credential drift with stuck servers: the reset
// cycle's round 2 is the drift fix, round 1 is left out when the NS is
// already anonymous.
func TestPlannerIsShortestWithDriftAndStuck(t *testing.T) {
	n := 120
	if testing.Short() {
		n = 30
	}
	for seed := 1; seed <= n; seed++ {
		sc, want, _ := driftEstate(uint64(seed), false)
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			checkShortest(t, sc, want)
		})
	}
}

// TestPlannerUnreachableDuringCredentialChange: a server unreachable while
// the NS credential changes gets nothing in that pass, the others reach
// the desired state by a shortest plan; once it is back, the sweep's plan
// (every listed server observed, the NS credential of the earlier version
// known) repairs it by a shortest plan too: a stuck server that fell
// behind goes straight to the reset cycle.
func TestPlannerUnreachableDuringCredentialChange(t *testing.T) {
	n := 80
	if testing.Short() {
		n = 20
	}
	for seed := 1; seed <= n; seed++ {
		sc, want, off := driftEstate(uint64(seed), true)
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			checkAcrossOutage(t, sc, want, off)
		})
	}
}

func checkAcrossOutage(t *testing.T, sc *scenario.Scenario, want vocab.Credential, off vocab.Host) {
	ctx := context.Background()
	clk := clock.NewFake(propT0)
	site, err := sim.NewMemory(sc, sc.Seed, sim.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	estate := describe(sc, want) + fmt.Sprintf(", %s unreachable for 1h", off)
	before, err := site.Setting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := sweepPlan(ctx, t, site, want, propT0, nil)
	for _, a := range first.Actions {
		if a.Target.Server == off {
			t.Fatalf("%s\nplanned %s for the unreachable server", estate, a.ID)
		}
	}
	checkMinimal(ctx, t, site, first, goal{want: want, skip: map[vocab.Host]bool{off: true}}, estate)
	for _, a := range first.Actions {
		if err := site.Apply(ctx, a); err != nil {
			t.Fatalf("%s\nstep %s: %v", estate, a.ID, err)
		}
	}
	back := propT0.Add(61 * time.Minute)
	clk.Set(back)
	history := planner.CredentialHistory{before.PolicyVersion: before.Credential}
	second := sweepPlan(ctx, t, site, want, back, history)
	checkMinimal(ctx, t, site, second, goal{want: want}, estate+", then back")
}

// sweepPlan observes the site as a sweep does (every listed server, with
// no packages beyond those in question) and returns the planner's plan.
func sweepPlan(ctx context.Context, t *testing.T, site *sim.Site, want vocab.Credential, now time.Time,
	history planner.CredentialHistory) actions.Plan {
	t.Helper()
	o := &observed.Observer{CMDB: site, NS: site, Agents: site, Concurrency: 4}
	obs := o.ReadSite(ctx, now, true)
	if obs.CMDBErr != nil || obs.NSErr != nil {
		t.Fatalf("observe: %v %v", obs.CMDBErr, obs.NSErr)
	}
	in := planner.Input{Desired: desired.New(want, nil, time.Hour), Obs: obs, Now: now, History: history}
	need, pkgs := planner.Needs(in)
	o.ObserveAgents(ctx, obs, need, pkgs)
	return planner.Compute(in)
}
