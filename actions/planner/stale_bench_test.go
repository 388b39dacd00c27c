package planner_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/actions/planner"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

// staleOnOne observes a simulated site of ten servers where one has a
// stale PS snapshot of each of its stale packages: one server's plan with
// that many deletions.
func staleOnOne(b *testing.B, stale int) planner.Input {
	b.Helper()
	js := fmt.Sprintf(`{"seed": 5, "servers": 10, "packages": %d,
		"credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "faults": [
		{"kind": "stale_ps_snapshot", "count": 1, "packages": %d}]}`, stale, stale)
	sc, err := scenario.Parse("stale.json", []byte(js))
	if err != nil {
		b.Fatal(err)
	}
	site, err := sim.NewMemory(sc, sc.Seed, sim.Options{Clock: clock.NewFake(propT0)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	o := &observed.Observer{CMDB: site, NS: site, Agents: site, Concurrency: 8}
	obs := o.ReadSite(ctx, propT0, false)
	in := planner.Input{Desired: desired.New(vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}, nil, 0), Obs: obs, Now: propT0}
	need, pkgs := planner.Needs(in)
	o.ObserveAgents(ctx, obs, need, pkgs)
	if got := len(obs.Pairs()); got != stale {
		b.Fatalf("%d pairs in question, want %d", got, stale)
	}
	return in
}

// BenchmarkComputeStaleOnOneServer plans one server with 800, 1,600 and
// 3,200 stale PS snapshots: each doubling should double the time (the
// server's deletions are collected and sorted once, not merged again for
// every package).
func BenchmarkComputeStaleOnOneServer(b *testing.B) {
	for _, stale := range []int{800, 1600, 3200} {
		b.Run(fmt.Sprintf("stale=%d", stale), func(b *testing.B) {
			in := staleOnOne(b, stale)
			b.ReportAllocs()
			var p actions.Plan
			for b.Loop() {
				p = planner.Compute(in)
			}
			b.ReportMetric(float64(len(p.Actions)), "actions")
		})
	}
}
