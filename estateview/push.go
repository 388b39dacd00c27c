package estateview

import (
	"fmt"
	"strconv"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// pass folds the end of a pass: conditions and evidence from its
// observation, its plan. It returns the condition transitions.
func (m *model) pass(res controller.PassResult, src Source, now time.Time) []change {
	m.est.LastPass, m.est.Leader = res.ID, res.Leader
	var rep *health.Report
	if src != nil {
		rep = src.Report()
	}
	if res.Obs == nil || rep == nil || !rep.At.Equal(res.Start) {
		return nil // the pass ended before it observed
	}
	m.est.Observed = res.Start
	m.est.CMDBError = rep.CMDBError
	m.est.NS = nsOf(rep.NS, res.Obs)
	var changes []change
	if res.Obs.CMDBErr == nil {
		changes = m.observe(res, rep, src)
		changes = append(changes, m.ladder(src, res.ID, res.Start)...)
	}
	changes = append(changes, m.acted(res)...)
	m.plan(res)
	return changes
}

// ReasonNotObservedSinceAction is the reason of a condition made Unknown
// by an action applied to change it: what was observed before no longer
// holds, and the agent has not been observed since.
const ReasonNotObservedSinceAction = "NotObservedSinceAction"

// remedies maps the kinds applied on one server to the condition they
// change; the pass that applied them observed that condition before.
var remedies = map[actions.Kind]health.ConditionType{
	actions.GrantACL:            health.AclInPlace,
	actions.UpdateConfiguration: health.CredentialApplied,
}

// acted makes Unknown the conditions an applied action changed.
func (m *model) acted(res controller.PassResult) []change {
	var changes []change
	for _, a := range res.Plan.Actions {
		typ, ok := remedies[a.Kind]
		if !ok || a.Target.IsNS() || res.Exec.Steps[a.ID].Outcome != actions.Applied {
			continue
		}
		st := m.server(string(a.Target.Server))
		if st.row.Name == "" || st.row.Condition(string(typ)).Status == "" {
			continue
		}
		c := Condition{Type: string(typ), Status: string(health.Unknown), Reason: ReasonNotObservedSinceAction,
			Message: fmt.Sprintf("%s applied in pass %s; the agent has not been observed since", a.Kind, res.ID)}
		if ch, ok := m.setCondition(st, c, res.ID, res.End); ok {
			changes = append(changes, ch)
		}
	}
	return changes
}

// observe updates the servers the report judged, and the servers known
// from earlier passes that had no row in question this time.
func (m *model) observe(res controller.PassResult, rep *health.Report, src Source) []change {
	p := src.Policy()
	d := desired.New(p.Credential, p.Scope, p.Reconcile.PendingGrace)
	var changes []change
	seen := map[string]bool{}
	for _, sh := range rep.Servers {
		seen[Key(string(sh.Name))] = true
		changes = append(changes, m.judged(sh, res)...)
	}
	for k, st := range m.servers {
		in := st.row.Name != "" && d.InScope(st.row.Name)
		if in != st.row.InScope {
			st.row.InScope, st.dirty = in, true
		}
		if seen[k] || !in {
			continue
		}
		// No row in question: every pair of it is Ready at the package
		// version. What its agent shows was not observed again.
		c := Condition{Type: string(health.PackagesReady), Status: string(health.True), Reason: health.ReasonAllRowsReady,
			Message: "no row in question at pass " + res.ID}
		if ch, ok := m.setCondition(st, c, res.ID, res.Start); ok {
			changes = append(changes, ch)
		}
		st.row.Counts, st.row.NotReady, st.row.InGrace = nil, 0, 0
		st.row.Evidence.Pairs, st.row.Evidence.PairsAt = nil, res.Start
		st.row.LastSeen, st.row.LastPass = res.Start, res.ID
	}
	return changes
}

// judged takes one server of the report. A condition the pass did not
// observe (the agent was not asked: NotObserved) keeps its last value.
func (m *model) judged(sh health.ServerHealth, res controller.PassResult) []change {
	st := m.server(string(sh.Name))
	st.row.Name, st.row.InScope = sh.Name, true
	var changes []change
	for _, c := range sh.Conditions {
		if c.Reason == health.ReasonNotObserved && st.row.Condition(string(c.Type)).Status != "" {
			continue
		}
		vc := Condition{Type: string(c.Type), Status: string(c.Status), Reason: c.Reason, Message: c.Message}
		if ch, ok := m.setCondition(st, vc, res.ID, res.Start); ok {
			changes = append(changes, ch)
		}
	}
	st.row.Counts, st.row.NotReady, st.row.InGrace = sh.Counts, sh.NotReady, sh.InGrace
	st.row.LastSeen, st.row.LastPass = res.Start, res.ID
	if a, ok := res.Obs.Agent(sh.Name); ok {
		st.row.Evidence.Agent = agentEvidence(a, res)
	}
	st.row.Evidence.Pairs, st.row.Evidence.PairsAt = pairEvidence(res.Obs, sh.Name), res.Start
	return changes
}

func agentEvidence(a observed.Agent, res controller.PassResult) *AgentEvidence {
	f := a.Facts
	e := &AgentEvidence{At: res.Start, Pass: res.ID, Reachable: a.Reachable, Error: a.Error}
	if !a.Reachable {
		return e
	}
	e.Applied, e.AppliedWhy = f.Applied.String(), f.AppliedUnknown
	if f.AppliedUnknown != "" {
		e.Applied = "unknown"
	}
	e.PolicyVersion, e.PolicyVersionWhy = strconv.FormatInt(f.PolicyVersion, 10), f.PolicyVersionUnknown
	if f.PolicyVersionUnknown != "" {
		e.PolicyVersion = "unknown"
	}
	e.FullControl = append([]string(nil), f.FullControl...)
	e.LogSignatures = append([]string(nil), f.LogSignatures...)
	e.FoldersRead, e.BareFolders, e.TrustErrors = f.Evidence.FoldersRead, f.Evidence.BareFolders, f.Evidence.TrustErrors
	return e
}

// pairEvidence joins a server's pairs in question with its files.
func pairEvidence(obs *observed.Observation, h vocab.Host) []PairEvidence {
	var out []PairEvidence
	for _, p := range obs.PairsOf(h) {
		e := PairEvidence{Package: p.Package, Name: p.PackageName, Status: string(p.Status),
			Version: p.Version, PackageVersion: p.PackageVersion}
		if f, ok := obs.Files(h, p.Package); ok {
			e.Observed = true
			e.SnapshotPresent, e.SnapshotVersion = f.SnapshotPresent, f.SnapshotVersion
			e.StatusPresent, e.StatusRecorded, e.Local = f.StatusPresent, string(f.StatusRecorded), string(f.Local)
		}
		out = append(out, e)
	}
	return out
}

// nsOf is the NS credential as the report and observation show it.
func nsOf(h health.NSHealth, obs *observed.Observation) NS {
	ns := NS{Desired: h.Desired.String(), InSync: h.InSync}
	switch {
	case obs.NSUnmanaged:
		ns.Credential, ns.Why = "not managed", h.Error
	case h.Credential == nil:
		ns.Credential, ns.Why = "unknown", h.Error
	default:
		ns.Credential, ns.PolicyVersion, ns.Known = h.Credential.String(), h.PolicyVersion, true
	}
	return ns
}

// plan records the last plan: per server and for the NS what it held, the
// holds, and the actions waiting for approval.
func (m *model) plan(res controller.PassResult) {
	for _, st := range m.servers {
		if len(st.row.Next) > 0 {
			st.row.Next, st.dirty = nil, true
		}
	}
	m.est.NSNext, m.est.Pending = nil, nil
	ps := PlanSummary{ID: res.Plan.ID, At: res.Plan.At, Pass: res.ID, Actions: len(res.Plan.Actions),
		Blocked: res.Plan.Blocked(), Notes: len(res.Plan.Notes), Executed: res.Leader}
	for _, a := range res.Plan.Actions {
		pl := planned(a, res)
		if pl.Outcome == string(actions.Deferred) || pl.Outcome == string(actions.Skipped) {
			ps.Holds = append(ps.Holds, Hold{ID: a.ID, Kind: pl.Kind, Target: pl.Target, Outcome: pl.Outcome, Rule: pl.Rule})
			if res.Exec.Steps[a.ID].Held.Class == actions.HoldApproval {
				m.est.Pending = append(m.est.Pending, Approval{ID: a.ID, Kind: pl.Kind, Target: pl.Target,
					Plan: res.Plan.ID, Command: "reconciler approve " + a.ID})
			}
		}
		if a.Target.IsNS() {
			m.est.NSNext = append(m.est.NSNext, pl)
			continue
		}
		st := m.server(string(a.Target.Server))
		if st.row.Name == "" {
			st.row.Name = a.Target.Server
		}
		st.row.Next = append(st.row.Next, pl)
	}
	m.est.Plan = ps
}

func planned(a actions.Action, res controller.PassResult) Planned {
	pl := Planned{ID: a.ID, Kind: string(a.Kind), Target: a.Target.String()}
	for _, r := range a.Reasons {
		facts := make([]audit.Fact, len(r.Facts))
		for i, f := range r.Facts {
			facts[i] = audit.Fact{Name: f.Name, Value: f.Value}
		}
		pl.Reasons = append(pl.Reasons, audit.Reason{Cause: string(r.Cause), Message: r.Message, Facts: facts})
	}
	if s, ok := res.Exec.Steps[a.ID]; ok {
		pl.Outcome, pl.Rule = string(s.Outcome), s.Rule()
		if s.Err != nil {
			pl.Error = s.Err.Error()
		}
	}
	return pl
}
