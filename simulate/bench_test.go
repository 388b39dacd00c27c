package simulate

import (
	"context"
	"testing"

	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

// BenchmarkLargeEstate simulates examples/scenarios/large-estate.json
// (2,000 servers x 500 packages, a realistic mix of faults, 24 h) under
// ../examples/policies/sim-policy.hcl, with the journal where the CLI puts
// it (TempJournal). Skipped in -short.
func BenchmarkLargeEstate(b *testing.B) {
	if testing.Short() {
		b.Skip("large estate: not in -short")
	}
	pol, err := policy.Load("../examples/policies/sim-policy.hcl")
	if err != nil {
		b.Fatal(err)
	}
	sc, err := scenario.Load("../examples/scenarios/large-estate.json")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		path, cleanup, err := TempJournal()
		if err != nil {
			b.Fatal(err)
		}
		res, err := Run(context.Background(), Options{Policy: pol, Scenario: sc, AuditPath: path})
		cleanup()
		if err != nil {
			b.Fatal(err)
		}
		if !res.Report.Converged {
			b.Fatalf("large estate did not converge: %d not Ready", res.Report.NotReadyAtEnd)
		}
		b.ReportMetric(float64(res.Report.Passes), "passes")
	}
}
