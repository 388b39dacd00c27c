package controller

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/actions/planner"
	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// sweeper decides when a pass observes every package server in scope
// rather than only those with rows in question: every
// reconcile.sweep_every, and after every credential change (one this
// controller applied, or a new NS policy version it observed) until each
// in-scope server holds the NS setting and, for appid/acc, its account's
// Full Control. A server that was unreachable during the change, or whose
// drift shows in no row yet, is so still found and repaired. The first
// pass after a change lists and observes every server; the passes after it
// observe only those not yet seen holding the change, until none is left.
// It also keeps the NS credential seen at each policy version (the
// planner's CredentialHistory).
//
// Its state is journaled in each pass_end record (passDetail) and rebuilt
// at start, so a restart neither forgets a pending sweep nor sweeps early
// (after a restart, a pending change is swept in full again).
type sweeper struct {
	last      time.Time // the last full sweep
	pending   bool      // a credential change not yet taken everywhere
	untaken   []vocab.Host
	known     bool  // untaken is known: a full sweep followed the change
	nsVersion int64 // the NS policy version last observed; 0 unknown
	history   planner.CredentialHistory
}

// historyKept bounds the policy versions remembered.
const historyKept = 64

func newSweeper() sweeper { return sweeper{history: planner.CredentialHistory{}} }

// plan says what the pass at now observes beyond the servers in question:
// every server (full), or the servers a pending change still waits for.
func (s *sweeper) plan(now time.Time, every time.Duration) (full bool, also []vocab.Host) {
	switch {
	case s.last.IsZero() || !now.Before(s.last.Add(every)):
		return true, nil
	case !s.pending:
		return false, nil
	case !s.known:
		return true, nil
	}
	return false, slices.Clone(s.untaken)
}

// observed updates the state from a pass's observation: a new policy
// version is a change; a full sweep (swept: every server in scope listed
// and observed) learns which servers have not taken it; a pass that
// observed those (also) forgets the ones that now have.
func (s *sweeper) observed(d desired.State, obs *observed.Observation, swept bool, also []vocab.Host, now time.Time) {
	if obs.CMDBErr != nil || obs.NSErr != nil {
		return
	}
	if !obs.NSUnmanaged {
		s.see(obs.NS.PolicyVersion, obs.NS.Credential)
	}
	switch {
	case swept:
		s.last = now
		s.untaken, s.known = notTaken(d, obs, serverNames(obs)), true
	case len(also) > 0 && s.known:
		s.untaken = notTaken(d, obs, also)
	default:
		return
	}
	s.pending = len(s.untaken) > 0 || !obs.NSUnmanaged && !d.NSInSync(obs.NS)
}

// changed marks a credential change: every server must take it.
func (s *sweeper) changed() { s.pending, s.known, s.untaken = true, false, nil }

// see records the NS credential at a policy version; a version other than
// the last one seen is a credential change.
func (s *sweeper) see(v int64, c vocab.Credential) {
	if s.nsVersion != 0 && v != s.nsVersion {
		s.changed()
	}
	s.nsVersion = v
	s.history[v] = c
	if len(s.history) > historyKept {
		vs := slices.Sorted(maps.Keys(s.history))
		for _, old := range vs[:len(vs)-historyKept] {
			delete(s.history, old)
		}
	}
}

func serverNames(obs *observed.Observation) []vocab.Host {
	ss := obs.Servers()
	out := make([]vocab.Host, len(ss))
	for i, srv := range ss {
		out[i] = srv.Name
	}
	return out
}

// notTaken lists the in-scope servers among hosts that were not observed
// holding the NS setting (the policy's) and their account's ACL.
func notTaken(d desired.State, obs *observed.Observation, hosts []vocab.Host) []vocab.Host {
	var out []vocab.Host
	for _, h := range hosts {
		if !d.InScope(h) {
			continue
		}
		ag, ok := obs.Agent(h)
		want := d.For(h)
		if !ok || !ag.Reachable || !obs.NSUnmanaged && !want.CredentialApplied(ag.Facts.Applied) ||
			!want.ACLInPlace(ag.Facts.FullControl) {
			out = append(out, h)
		}
	}
	return out
}

// plannerHistory is a copy of the history with the current observation's
// version, for the planner.
func (s *sweeper) plannerHistory(obs *observed.Observation) planner.CredentialHistory {
	h := maps.Clone(s.history)
	if obs.NSErr == nil && !obs.NSUnmanaged {
		h[obs.NS.PolicyVersion] = obs.NS.Credential
	}
	return h
}

// passDetail is what a pass_end record carries of the sweeper's state.
type passDetail struct {
	NSMode          vocab.Mode `json:"ns_mode,omitempty"`
	NSAccount       string     `json:"ns_account,omitempty"`
	NSPolicyVersion int64      `json:"ns_policy_version,omitempty"`
	Sweep           bool       `json:"sweep,omitempty"`
	SweepPending    bool       `json:"sweep_pending,omitempty"`
}

// detail fills a pass_end detail with the observation's NS setting and
// the sweep state after the pass.
func (s *sweeper) detail(obs *observed.Observation, swept bool, into map[string]any) {
	if obs != nil && obs.NSErr == nil && !obs.NSUnmanaged && obs.NS.PolicyVersion != 0 {
		into["ns_mode"], into["ns_policy_version"] = obs.NS.Credential.Mode, obs.NS.PolicyVersion
		if obs.NS.Credential.Account != "" {
			into["ns_account"] = obs.NS.Credential.Account
		}
	}
	if swept {
		into["sweep"] = true
	}
	if s.pending {
		into["sweep_pending"] = true
	}
}

// replay rebuilds the state from a pass_end record.
func (s *sweeper) replay(detail json.RawMessage, at time.Time) {
	var d passDetail
	if json.Unmarshal(detail, &d) != nil {
		return
	}
	if d.NSPolicyVersion != 0 && d.NSMode != "" {
		s.see(d.NSPolicyVersion, vocab.Credential{Mode: d.NSMode, Account: d.NSAccount})
	}
	if d.Sweep {
		s.last = at
	}
	if d.SweepPending {
		s.changed() // which servers still wait is swept again
	} else {
		s.pending = false
	}
}
