//go:build unix

package e2e

import (
	"context"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/site/sim"
)

// siteTruth is what the simulated site itself counted: its ground truth,
// independent of the journal.
type siteTruth struct {
	applied map[actions.Kind]int // successful driver calls by kind
	unsafe  int                  // file operations refused as outside the allowed set
}

// readSite opens the estate's simulated site (no reconciler may be
// running) and reads its counters.
func (e *estate) readSite() siteTruth {
	e.t.Helper()
	s, err := sim.Open(context.Background(), e.siteDir(), nil, 0, sim.Options{Clock: clock.Real{}})
	if err != nil {
		e.t.Fatalf("open simulated site: %v", err)
	}
	defer s.Close()
	return siteTruth{applied: s.Applied(), unsafe: s.UnsafePathsTouched()}
}
