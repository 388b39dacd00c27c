package estate

import (
	"context"
	"fmt"

	"github.com/itms-tools/reconciler/actions/planner"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

// PlanCaseJSON is the scenario of the planner's benchmark: causes pairs
// in question spread evenly over servers (causes/servers on each, on
// packages picked per fault), by pair-level causes: a stale status file
// on two fifths of the servers, a stale PS snapshot on three tenths, a
// stale NS snapshot on a fifth and a lost status on a tenth. Each server
// has one fault, so every server has its own remedy.
func PlanCaseJSON(servers, causes int) ([]byte, error) {
	if servers < 10 || causes < servers || causes%servers != 0 {
		return nil, fmt.Errorf("plan case: need at least 10 servers and a multiple of them as causes, not %d and %d", servers, causes)
	}
	k := causes / servers
	packages := max(100, 10*k)
	n := []int{servers * 4 / 10, servers * 3 / 10, servers * 2 / 10}
	n = append(n, servers-n[0]-n[1]-n[2])
	return fmt.Appendf(nil, `{"name": "plan-case", "seed": 11, "servers": %d, "packages": %d,
  "credential": {"mode": "acc", "account": %q},
  "faults": [
    {"kind": "stale_status_file", "count": %d, "packages": %d},
    {"kind": "stale_ps_snapshot", "count": %d, "packages": %d},
    {"kind": "stale_ns_snapshot", "count": %d, "packages": %d},
    {"kind": "status_lost", "count": %d, "packages": %d}
  ]}`, servers, packages, Account, n[0], k, n[1], k, n[2], k, n[3], k), nil
}

// PlanCase observes the site of PlanCaseJSON as a pass would (CMDB, then
// the agents and NS snapshots the planner needs), with no latency: the
// planner's input.
func PlanCase(ctx context.Context, servers, causes int) (*observed.Observation, error) {
	js, err := PlanCaseJSON(servers, causes)
	if err != nil {
		return nil, err
	}
	sc, err := scenario.Parse("plan-case.json", js)
	if err != nil {
		return nil, err
	}
	site, err := sim.NewMemory(sc, sc.Seed, sim.Options{Clock: clock.NewFake(Epoch)})
	if err != nil {
		return nil, err
	}
	o := &observed.Observer{CMDB: site, NS: site, Agents: site, Concurrency: 8}
	obs := o.ReadSite(ctx, Epoch, false)
	if obs.CMDBErr != nil || obs.NSErr != nil {
		return nil, fmt.Errorf("plan case: CMDB %v, NS %v", obs.CMDBErr, obs.NSErr)
	}
	want := vocab.Credential{Mode: vocab.ACC, Account: Account}
	need, pkgs := planner.Needs(planner.Input{Desired: desired.New(want, nil, 0), Obs: obs, Now: Epoch})
	o.ObserveAgents(ctx, obs, need, pkgs)
	return obs, nil
}
