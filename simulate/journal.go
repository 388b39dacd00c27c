package simulate

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/guard"
)

// journalFacts is what the report needs of the journal.
type journalFacts struct {
	passes int
	// applied holds the times of the applied outcomes per kind, in journal
	// order (so in time order).
	applied map[actions.Kind][]time.Time
	failed  map[actions.Kind]int
	// attempts counts every outcome per kind (applied, failed,
	// indeterminate); escalations the not_effective verifications by the
	// rung they climb to.
	attempts    map[actions.Kind]int
	escalations map[actions.Rung]int
	deferrals   map[string]int
	// breakerTrips counts the breaker records that tripped it; records
	// every record written.
	breakerTrips, records int
}

func newFacts() *journalFacts {
	return &journalFacts{applied: map[actions.Kind][]time.Time{}, failed: map[actions.Kind]int{},
		deferrals: map[string]int{}, attempts: map[actions.Kind]int{}, escalations: map[actions.Rung]int{}}
}

// tally is the controller's journal: it appends to the audit journal and
// keeps the facts of every record written, so that the report needs no
// second reading of a journal that may hold millions of records.
type tally struct {
	j     controller.Journal
	mu    sync.Mutex
	facts *journalFacts
}

var _ controller.Journal = (*tally)(nil)

func (t *tally) Append(r audit.Record) (audit.Record, error) {
	r, err := t.j.Append(r)
	if err != nil {
		return r, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.facts.add(r)
	return r, nil
}

func (f *journalFacts) add(r audit.Record) {
	f.records++
	switch r.Type {
	case audit.TypeBreaker:
		var d controller.BreakerDetail
		if json.Unmarshal(r.Detail, &d) == nil && d.State == "tripped" {
			f.breakerTrips++
		}
	case audit.TypePassStart:
		f.passes++
	case audit.TypeVerification:
		var v guard.Verification
		if json.Unmarshal(r.Detail, &v) == nil && v.Result == guard.NotEffective {
			f.escalations[v.Next]++
		}
	case audit.TypeIndeterminate:
		f.attempts[actions.Kind(r.Kind)]++
	case audit.TypeOutcome:
		k := actions.Kind(r.Kind)
		switch r.Outcome {
		case audit.Applied:
			f.applied[k] = append(f.applied[k], r.Time)
			f.attempts[k]++
		case audit.Failed:
			f.failed[k]++
			f.attempts[k]++
		case audit.Indeterminate:
			f.attempts[k]++
		}
	}
}
