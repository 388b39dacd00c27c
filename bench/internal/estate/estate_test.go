package estate

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/itms-tools/reconciler/site/sim/scenario"
)

// TestEnsure generates a small estate, checks its CMDB against its site
// (Generate does) and its size, and finds it in the cache the second time.
func TestEnsure(t *testing.T) {
	ctx := context.Background()
	cache := t.TempDir()
	s := Spec{Servers: 40, Packages: 50, NotReady: 0.1, PerPackage: DefaultPerPackage, Seed: 3}
	m, err := Ensure(ctx, cache, s)
	if err != nil {
		t.Fatal(err)
	}
	if m.Pairs != 2000 || m.NotReady < 180 || m.NotReady > 220 || m.InQuestion != m.NotReady+1 {
		t.Errorf("meta %+v: want 2000 pairs, about 200 not Ready and the bad row", m)
	}
	again, err := Ensure(ctx, cache, s)
	if err != nil || again != m {
		t.Errorf("second Ensure: %+v, %v", again, err)
	}
	site, err := Site(Dir(cache, s))
	if err != nil {
		t.Fatal(err)
	}
	if site.NotReady() != m.NotReady {
		t.Errorf("site has %d not Ready, meta %d", site.NotReady(), m.NotReady)
	}
}

// TestScenarioMix: the scenario parses, and breaks whole servers and
// package by package in the shares asked.
func TestScenarioMix(t *testing.T) {
	for _, s := range []Spec{
		{Servers: 1000, Packages: 2000, NotReady: 0.02, PerPackage: DefaultPerPackage, Seed: 1},
		{Servers: 100, Packages: 200, NotReady: 0.02, PerPackage: DefaultPerPackage, Seed: 1},
		{Servers: 5000, Packages: 400, NotReady: 0.02, PerPackage: 0.6, Seed: 1},
		{Servers: 10, Packages: 10, NotReady: 0, Seed: 1},
	} {
		js, err := ScenarioJSON(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := scenario.Parse("x.json", js); err != nil {
			t.Fatalf("%+v: %v\n%s", s, err, js)
		}
		var sc scenarioJSON
		if err := json.Unmarshal(js, &sc); err != nil {
			t.Fatal(err)
		}
		whole, perPkg := 0, 0
		for _, f := range sc.Faults {
			switch f.Kind {
			case scenario.StatusLost, scenario.ACLMissing, scenario.CredentialNotReceived, scenario.CredentialStuck:
				whole += f.Count * s.Packages
			case scenario.BadRow:
			default:
				perPkg += f.Count * f.Packages
			}
		}
		target := float64(s.Pairs()) * s.NotReady
		if got := float64(whole + perPkg); got < 0.95*target || got > 1.05*target+float64(s.Packages) {
			t.Errorf("%+v: %d pairs broken, want about %.0f", s, whole+perPkg, target)
		}
	}
}
