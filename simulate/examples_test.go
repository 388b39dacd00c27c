package simulate

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

var allExamples = flag.Bool("examples", false, "TestExampleScenarios simulates every example but large-estate (a minute or more)")

// quickExamples are simulated by default; -examples adds the others but
// large-estate (BenchmarkLargeEstate covers it).
var quickExamples = map[string]bool{"flaky-wan": true}

// TestExampleScenarios parses every scenario of examples/scenarios and
// simulates the quick ones (outside -short) under the policy docs/sim.md
// suggests: each must converge safely.
func TestExampleScenarios(t *testing.T) {
	files, err := filepath.Glob("../examples/scenarios/*.json")
	if err != nil || len(files) < 5 {
		t.Fatalf("%d example scenarios (%v), want at least 5", len(files), err)
	}
	pol, err := policy.Load("../examples/policies/sim-policy.hcl")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			sc, err := scenario.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Name != name {
				t.Errorf("scenario name %q, want the file's %q", sc.Name, name)
			}
			if testing.Short() || name == "large-estate" || !(quickExamples[name] || *allExamples) {
				return
			}
			res, _ := run(t, pol, sc)
			checkSafe(t, res.Report)
			if !res.Report.Converged {
				t.Errorf("not converged: %d pairs not Ready at the end", res.Report.NotReadyAtEnd)
			}
		})
	}
}
