package estateview

import (
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/vocab"
)

// NoteEvent is the event of the journal notes in which the view records
// condition transitions: {"event": "conditions", "pass": ID, "at": T,
// "changes": [{"server", "type", "from", "to", "reason", "message"}]}.
const NoteEvent = "conditions"

// maxChangesPerNote bounds one note (a first pass over a large estate
// changes every condition of every server) far below audit.MaxRecordSize;
// maxMessage bounds each message kept.
const (
	maxChangesPerNote = 200
	maxMessage        = 300
)

// change is one condition transition of a server.
type change struct {
	Server  string    `json:"server"`
	Type    string    `json:"type"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to"`
	Reason  string    `json:"reason,omitempty"`
	Message string    `json:"message,omitempty"`
	At      time.Time `json:"at"`
}

type conditionsNote struct {
	Event   string   `json:"event"`
	Pass    string   `json:"pass"`
	Changes []change `json:"changes"`
}

// setCondition takes an observed condition of a server at the start of
// pass and returns the transition it makes, if any.
func (m *model) setCondition(st *serverState, c Condition, pass string, at time.Time) (change, bool) {
	for i := range st.row.Conditions {
		old := &st.row.Conditions[i]
		if old.Type != c.Type {
			continue
		}
		moved := old.Status != c.Status
		since := old.Since
		if moved {
			since = at
			st.row.Changed = at
			st.hist.Transitions = appendBounded(st.hist.Transitions, Transition{At: at, Type: c.Type,
				From: old.Status, To: c.Status, Reason: c.Reason, Message: clipMessage(c.Message), Pass: pass}, MaxTransitions)
			st.histDirty = true
		}
		*old = Condition{Type: c.Type, Status: c.Status, Reason: c.Reason, Message: c.Message, Since: since, Observed: at}
		st.dirty = true
		if moved {
			return change{Server: string(st.row.Name), Type: c.Type, From: old.Status, To: c.Status,
				Reason: c.Reason, Message: clipMessage(c.Message), At: at}, true
		}
		return change{}, false
	}
	return change{}, false
}

// note folds a conditions note of the journal (at Rebuild).
func (m *model) note(r audit.Record) {
	var n conditionsNote
	if json.Unmarshal(r.Detail, &n) != nil || n.Event != NoteEvent {
		return
	}
	for _, c := range n.Changes {
		at := c.At
		if at.IsZero() {
			at = r.Time
		}
		h, err := vocab.ParseHost(c.Server)
		if err != nil || c.Type == "" {
			continue
		}
		st := m.server(string(h))
		if st.row.Name == "" {
			st.row.Name = h
		}
		m.setCondition(st, Condition{Type: c.Type, Status: c.To, Reason: c.Reason, Message: c.Message}, n.Pass, at)
	}
}

// recordChanges journals the transitions of a pass, in notes of at most
// maxChangesPerNote changes. A failure is logged: the view itself holds
// them, only a restart would lose them.
func (v *View) recordChanges(pass string, cs []change) {
	for len(cs) > 0 {
		n := min(len(cs), maxChangesPerNote)
		note := conditionsNote{Event: NoteEvent, Pass: pass, Changes: cs[:n]}
		rec := audit.Record{Type: audit.TypeNote, Pass: pass, Detail: audit.JSON(note)}
		if _, err := v.journal.Append(rec); err != nil {
			v.log.Error("condition transitions not journaled", "pass", pass, "error", err)
			return
		}
		cs = cs[n:]
	}
}

// clipMessage keeps a message short enough for a note, on a character
// boundary.
func clipMessage(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
