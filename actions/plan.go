package actions

import (
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// Plan is the ordered list of actions of one pass. Actions are in a
// topological order of their After and Requires edges; ties are broken by
// target and kind so that the same observation always yields the same plan,
// byte for byte.
type Plan struct {
	// ID is a content hash of the actions: the same actions give the same id.
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Actions []Action  `json:"actions"`
	// Notes are things seen but deliberately not acted on: rows refused as
	// malformed, servers that could not be observed, pairs within the
	// pending grace, downloads in progress.
	Notes []Note `json:"notes,omitempty"`
	// Ladder says, per server the plan acts on, the rung planned and the
	// evidence it was planned from (recorded with each intent).
	Ladder map[vocab.Host]LadderUse `json:"-"`
}

// Note is an observation the planner reports without acting on it.
type Note struct {
	Target  Target `json:"target"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Blocked reports whether nothing could be planned because the site could
// not be observed (the CMDB or the NS setting could not be read).
func (p Plan) Blocked() bool {
	for _, n := range p.Notes {
		if n.Kind == NoteNothingPlanned {
			return true
		}
	}
	return false
}

// NoteNothingPlanned is the kind of the note of a plan made from an
// observation that failed.
const NoteNothingPlanned = "nothing_planned"

// Empty reports whether the plan has nothing to do.
func (p Plan) Empty() bool { return len(p.Actions) == 0 }

// Counts returns the number of actions per kind, every kind present.
func (p Plan) Counts() map[Kind]int {
	c := make(map[Kind]int, len(Kinds))
	for _, k := range Kinds {
		c[k] = 0
	}
	for _, a := range p.Actions {
		c[a.Kind]++
	}
	return c
}

// Index returns the position of each action id in the plan.
func (p Plan) Index() map[string]int {
	m := make(map[string]int, len(p.Actions))
	for i, a := range p.Actions {
		m[a.ID] = i
	}
	return m
}
