package scenario_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/site/sim"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

// Reliability test 7, the scenario's part (the file formats: package
// disk): what `reconciler sim` and the demo read from a file a person
// writes. Seeds: testdata/fuzz/FuzzParseScenario.

// FuzzParseScenario: Parse never panics; an accepted scenario is within
// its limits, and (when small enough to build quickly) builds a memory
// site without error, so the parser accepts nothing the site refuses.
func FuzzParseScenario(f *testing.F) {
	f.Add([]byte(scenario.DesignExample))
	for _, name := range []string{"scenarios/demo.json", "scenarios/healthy.json"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"name": "x", "seed": 1, "servers": 2, "packages": 2, "credential": {"mode": "anonymous"},
  "faults": [{"kind": "unreachable", "servers": ["PS002"], "from": "1h", "for": "30m"}, {"kind": "bad_row", "package_id": "..\\x"}]}`))
	f.Add([]byte(`{"servers": 1e9}`))
	f.Add([]byte(`{"name": "x", "seed": -1, "servers": 3, "packages": 1, "credential": {"mode": "acc", "account": "A\\b"}, "duration": "-5m", "faults": []}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := scenario.Parse("fuzz.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if sc.Servers < 1 || sc.Servers > scenario.MaxServers || sc.Packages < 1 || sc.Packages > scenario.MaxPackages ||
			int64(sc.Servers)*int64(sc.Packages) > scenario.MaxPairs {
			t.Fatalf("accepted sizes %d x %d", sc.Servers, sc.Packages)
		}
		if sc.Duration <= 0 || sc.Duration > scenario.MaxDuration || len(sc.Faults) > scenario.MaxFaults {
			t.Fatalf("accepted duration %v, %d faults", sc.Duration, len(sc.Faults))
		}
		var hit int64
		for _, f := range sc.Faults {
			if f.For < 0 || f.For > scenario.MaxDuration {
				t.Fatalf("accepted for %v", f.For)
			}
			hit += scenario.FaultPairs(f, sc)
		}
		if hit > scenario.MaxFaultPairs {
			t.Fatalf("accepted faults hitting %d pairs", hit)
		}
		if sc.Servers*sc.Packages > 400 {
			return
		}
		if _, err := sim.NewMemory(sc, sc.Seed, sim.Options{Clock: clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}); err != nil {
			t.Fatalf("Parse accepted what NewMemory refuses: %v\n%s", err, data)
		}
	})
}
