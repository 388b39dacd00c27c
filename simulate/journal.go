package simulate

import (
	"strings"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
)

// RuleClasses are the classes of the rules that hold actions, as the
// report's deferrals count them (the rule's first word, DESIGN §4).
var RuleClasses = []string{"limit", "window", "dependency", "approval", "blast_radius",
	"breaker", "mode", "scope", "after"}

// journalFacts is what the report needs of the journal.
type journalFacts struct {
	passes int
	// applied holds the times of the applied outcomes per kind, in journal
	// order (so in time order).
	applied   map[actions.Kind][]time.Time
	failed    map[actions.Kind]int
	deferrals map[string]int
}

func newFacts() *journalFacts {
	return &journalFacts{applied: map[actions.Kind][]time.Time{}, failed: map[actions.Kind]int{},
		deferrals: map[string]int{}}
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
	switch r.Type {
	case audit.TypePassStart:
		f.passes++
	case audit.TypeOutcome:
		k := actions.Kind(r.Kind)
		switch r.Outcome {
		case audit.Applied:
			f.applied[k] = append(f.applied[k], r.Time)
		case audit.Failed:
			f.failed[k]++
		case audit.Deferred, audit.Skipped:
			f.deferrals[RuleClass(r.Rule)]++
		}
	}
}

// RuleClass is the class of a rule that held an action: its first word
// ("limit delete_ns_snapshot 20/1h" is limit), with the two rules whose
// first word is not their class mapped: "outside allow window …" is
// window, and "reset cycle: round 2 would be held by RULE" is RULE's class.
func RuleClass(rule string) string {
	const restore = "reset cycle: round 2 would be held by "
	switch {
	case strings.HasPrefix(rule, restore):
		return RuleClass(strings.TrimPrefix(rule, restore))
	case strings.HasPrefix(rule, "outside allow window"):
		return "window"
	case rule == "":
		return "unknown"
	}
	if i := strings.IndexAny(rule, " :"); i > 0 {
		return rule[:i]
	}
	return rule
}
