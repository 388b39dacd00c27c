package planner_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// benchCauses observes a simulated site whose servers each have causes /
// servers pairs in question, one pair-level fault per server (stale status
// file, stale PS snapshot, stale NS snapshot, lost status: 4:3:2:1), as
// bench/run's plan case does.
func benchCauses(b *testing.B, servers, causes int) planner.Input {
	b.Helper()
	k := causes / servers
	n := []int{servers * 4 / 10, servers * 3 / 10, servers * 2 / 10}
	n = append(n, servers-n[0]-n[1]-n[2])
	js := fmt.Sprintf(`{"seed": 11, "servers": %d, "packages": %d,
		"credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "faults": [
		{"kind": "stale_status_file", "count": %d, "packages": %d},
		{"kind": "stale_ps_snapshot", "count": %d, "packages": %d},
		{"kind": "stale_ns_snapshot", "count": %d, "packages": %d},
		{"kind": "status_lost", "count": %d, "packages": %d}]}`,
		servers, max(100, 10*k), n[0], k, n[1], k, n[2], k, n[3], k)
	sc, err := scenario.Parse("bench.json", []byte(js))
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
	d := desired.New(vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}, nil, 0)
	in := planner.Input{Desired: d, Obs: obs, Now: propT0}
	need, pkgs := planner.Needs(in)
	o.ObserveAgents(ctx, obs, need, pkgs)
	if got := len(obs.Pairs()); got != causes {
		b.Fatalf("%d pairs in question, want %d", got, causes)
	}
	return in
}

// BenchmarkCompute plans 10,000 causes across 1,000 servers (bench/run's
// plan_seconds_10k_causes) and a tenth of that.
func BenchmarkCompute(b *testing.B) {
	for _, size := range [][2]int{{100, 1_000}, {1_000, 10_000}} {
		b.Run(fmt.Sprintf("%dservers-%dcauses", size[0], size[1]), func(b *testing.B) {
			in := benchCauses(b, size[0], size[1])
			b.ReportAllocs()
			var p actions.Plan
			for b.Loop() {
				p = planner.Compute(in)
			}
			b.ReportMetric(float64(len(p.Actions)), "actions")
		})
	}
}

// TestPlanIDHashesTheActionsJSON: the plan id is the hash of the actions'
// JSON, however it is computed.
func TestPlanIDHashesTheActionsJSON(t *testing.T) {
	sc, want := randomEstate(7)
	site, err := sim.NewMemory(sc, sc.Seed, sim.Options{Clock: clock.NewFake(propT0)})
	if err != nil {
		t.Fatal(err)
	}
	p := planFor(context.Background(), t, site, want)
	js, err := json.Marshal(p.Actions)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(js)
	if id := "p-" + hex.EncodeToString(sum[:6]); len(p.Actions) == 0 || p.ID != id {
		t.Errorf("plan of %d actions has id %s, the hash of its JSON gives %s", len(p.Actions), p.ID, id)
	}
}
