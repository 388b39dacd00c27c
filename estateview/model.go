package estateview

import (
	"encoding/json"
	"slices"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
)

// model is the writer's working copy of the view; publish copies what
// changed into memdb.
type model struct {
	version   uint64
	lastSeq   int64 // the last journal record folded
	servers   map[string]*serverState
	passes    []*Pass // oldest first
	passSeq   uint64
	evicted   []string // pass ids to delete at the next publish
	dirtyPass map[string]bool
	est       Estate
	approved  map[string]Approved
}

type serverState struct {
	row       Server
	hist      History
	dirty     bool    // row changed since published
	histDirty bool    // hist changed since published
	pub       *Server // the row as last published
}

func newModel() *model {
	return &model{servers: map[string]*serverState{}, dirtyPass: map[string]bool{},
		approved: map[string]Approved{}, est: Estate{ID: estateID, Totals: Totals{NotGood: map[string]int{}}}}
}

// server returns the state of the named server, created when new.
func (m *model) server(name string) *serverState {
	k := Key(name)
	st, ok := m.servers[k]
	if !ok {
		st = &serverState{row: Server{Key: k, InScope: true}, hist: History{Key: k}}
		for _, t := range ConditionTypes {
			st.row.Conditions = append(st.row.Conditions, Condition{Type: t})
		}
		m.servers[k] = st
	}
	st.dirty = true
	return st
}

// fold applies one journal record. Records already folded (by seq) are
// skipped, so that Rebuild may run again after the journal started forwarding.
func (m *model) fold(r audit.Record) {
	if r.Seq != 0 && r.Seq <= m.lastSeq {
		return
	}
	m.lastSeq = max(m.lastSeq, r.Seq)
	switch r.Type {
	case audit.TypePassStart:
		m.passStart(r)
	case audit.TypePassEnd:
		m.passEnd(r)
	case audit.TypeIntent:
		m.intent(r)
	case audit.TypeOutcome, audit.TypeIndeterminate:
		m.outcome(r)
	case audit.TypeApproval:
		var d controller.ApprovalDetail
		if json.Unmarshal(r.Detail, &d) == nil {
			for _, id := range d.Actions {
				m.approved[id] = Approved{ID: id, At: r.Time, By: r.Actor.User}
			}
		}
	case audit.TypeBreaker:
		m.breaker(r)
	case audit.TypePolicyReload:
		m.est.Policy.Reloaded = r.Time
	case audit.TypePolicyRejected:
		m.est.Policy.Rejected, m.est.Policy.RejectReason = r.Time, r.Error
	case audit.TypeNote:
		m.note(r)
	}
}

func (m *model) passStart(r audit.Record) {
	m.passSeq++
	p := &Pass{ID: r.Pass, Seq: m.passSeq, Start: r.Time, Result: "running"}
	m.passes = append(m.passes, p)
	m.dirtyPass[p.ID] = true
	if n := len(m.passes) - MaxPasses; n > 0 {
		for _, old := range m.passes[:n] {
			m.evicted = append(m.evicted, old.ID)
			delete(m.dirtyPass, old.ID)
		}
		m.passes = slices.Clone(m.passes[n:])
	}
}

// findPass returns the kept pass with this id, newest first.
func (m *model) findPass(id string) *Pass {
	for i := len(m.passes) - 1; i >= 0; i-- {
		if m.passes[i].ID == id {
			return m.passes[i]
		}
	}
	return nil
}

// passEndDetail is what controller.endPass writes in pass_end.
type passEndDetail struct {
	Actions        int `json:"actions"`
	Applied        int `json:"applied"`
	HoldsUnchanged int `json:"holds_unchanged"`
}

func (m *model) passEnd(r audit.Record) {
	p := m.findPass(r.Pass)
	if p == nil {
		return // its start is older than what is kept
	}
	var d passEndDetail
	_ = json.Unmarshal(r.Detail, &d)
	p.End, p.Plan, p.Error = r.Time, r.Plan, r.Error
	p.Actions, p.HoldsUnchanged = d.Actions, d.HoldsUnchanged
	switch {
	case r.Error != "":
		p.Result = "error"
	case d.Applied > 0:
		p.Result = "acted"
	default:
		p.Result = "idle"
	}
	m.dirtyPass[p.ID] = true
}

// actionsOf returns where the actions on the record's target are kept.
func (m *model) actionsOf(server string) *[]Action {
	if server == "" {
		return &m.est.NSActions
	}
	st := m.server(server)
	return &st.hist.Actions
}

func (m *model) intent(r audit.Record) {
	list := m.actionsOf(r.Server)
	*list = appendBounded(*list, Action{Seq: r.Seq, Pass: r.Pass, Plan: r.Plan, ID: r.Action, Kind: r.Kind,
		Target: target(r.Server, r.Package), At: r.Time, Reasons: r.Reasons}, MaxActions)
	m.histChanged(r.Server)
}

// outcome closes the intent of the same pass and action, or stands alone
// (a hold has no intent).
func (m *model) outcome(r audit.Record) {
	if p := m.findPass(r.Pass); p != nil {
		switch r.Outcome {
		case audit.Applied:
			p.Applied++
		case audit.Failed, audit.Indeterminate:
			p.Failed++
		case audit.Deferred:
			p.Deferred++
		case audit.Skipped:
			p.Skipped++
		}
		m.dirtyPass[p.ID] = true
	}
	if r.Outcome == audit.Applied {
		delete(m.approved, r.Action)
	}
	if r.Action == "" {
		return
	}
	list := m.actionsOf(r.Server)
	for i := len(*list) - 1; i >= 0; i-- {
		a := &(*list)[i]
		if a.Pass == r.Pass && a.ID == r.Action && a.Outcome == "" {
			a.Outcome, a.Rule, a.Error, a.Done = string(r.Outcome), r.Rule, r.Error, r.Time
			m.histChanged(r.Server)
			return
		}
	}
	*list = appendBounded(*list, Action{Seq: r.Seq, Pass: r.Pass, Plan: r.Plan, ID: r.Action, Kind: r.Kind,
		Target: target(r.Server, r.Package), At: r.Time, Outcome: string(r.Outcome), Rule: r.Rule, Error: r.Error, Done: r.Time}, MaxActions)
	m.histChanged(r.Server)
}

// histChanged marks the history of a server (not the NS's) for publishing.
func (m *model) histChanged(server string) {
	if server != "" {
		m.server(server).histDirty = true
	}
}

func (m *model) breaker(r audit.Record) {
	var d controller.BreakerDetail
	if json.Unmarshal(r.Detail, &d) != nil {
		return
	}
	ev := BreakerEvent{At: r.Time, State: d.State, Reason: d.Reason}
	if d.State == "reset" {
		ev.By = r.Actor.User
	}
	m.est.BreakerEvents = appendBounded(m.est.BreakerEvents, ev, MaxBreakerEvents)
	// Until a pass shows the live state, the journal's last word stands.
	m.est.Breaker.Open = d.State == "tripped"
	m.est.Breaker.Since, m.est.Breaker.Reason = r.Time, d.Reason
	if !m.est.Breaker.Open {
		m.est.Breaker.Since, m.est.Breaker.Reason = r.Time, ""
	}
}

// appendBounded appends v and keeps the last n entries (in a new array
// when it drops some, so that published copies stay intact).
func appendBounded[T any](s []T, v T, n int) []T {
	s = append(s, v)
	if len(s) > n {
		s = slices.Clone(s[len(s)-n:])
	}
	return s
}

// target renders a record's target as action ids spell it.
func target(server, pkg string) string {
	s := server
	if s == "" {
		s = "NS"
	}
	if pkg != "" {
		s += "/" + pkg
	}
	return s
}
