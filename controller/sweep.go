package controller

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// sweeper decides when a pass observes every package server in scope
// rather than only those with rows in question: every
// reconcile.sweep_every, and after every credential change (one this
// controller applied, or a new NS policy version it observed) at every
// pass until a sweep finds each in-scope server holding the NS setting
// and, for appid/acc, its account's Full Control. A server that was
// unreachable during the change, or whose drift shows in no row yet, is so
// still found and repaired. It also keeps the NS credential seen at each
// policy version (the planner's CredentialHistory).
//
// Its state is journaled in each pass_end record (passDetail) and rebuilt
// at start, so a restart neither forgets a pending sweep nor sweeps early.
type sweeper struct {
	last      time.Time // the last sweep
	pending   bool      // a credential change not yet taken everywhere
	nsVersion int64     // the NS policy version last observed; 0 unknown
	history   actions.CredentialHistory
}

// historyKept bounds the policy versions remembered.
const historyKept = 64

func newSweeper() sweeper { return sweeper{history: actions.CredentialHistory{}} }

// due reports whether the pass at now must sweep.
func (s *sweeper) due(now time.Time, every time.Duration) bool {
	return s.pending || s.last.IsZero() || !now.Before(s.last.Add(every))
}

// observed updates the state from a pass's observation: a new policy
// version is a change; a sweep (swept: every server in scope listed and
// observed) clears the pending change when every server took it.
func (s *sweeper) observed(d desired.State, obs *observed.Observation, swept bool, now time.Time) {
	if obs.CMDBErr != nil || obs.NSErr != nil {
		return
	}
	if !obs.NSUnmanaged {
		s.see(obs.NS.PolicyVersion, obs.NS.Credential)
	}
	if swept {
		s.last = now
		s.pending = !everyServerTook(d, obs)
	}
}

// see records the NS credential at a policy version; a version other than
// the last one seen is a credential change.
func (s *sweeper) see(v int64, c vocab.Credential) {
	if s.nsVersion != 0 && v != s.nsVersion {
		s.pending = true
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

// everyServerTook reports whether every in-scope server the CMDB lists was
// observed holding the NS setting (the policy's) and its account's ACL.
func everyServerTook(d desired.State, obs *observed.Observation) bool {
	if !obs.NSUnmanaged && !d.NSInSync(obs.NS) {
		return false
	}
	for _, srv := range obs.Servers() {
		if !d.InScope(srv.Name) {
			continue
		}
		ag, ok := obs.Agent(srv.Name)
		if !ok || !ag.Reachable {
			return false
		}
		want := d.For(srv.Name)
		if !obs.NSUnmanaged && !want.CredentialApplied(ag.Facts.Applied) || !want.ACLInPlace(ag.Facts.FullControl) {
			return false
		}
	}
	return true
}

// plannerHistory is a copy of the history with the current observation's
// version, for the planner.
func (s *sweeper) plannerHistory(obs *observed.Observation) actions.CredentialHistory {
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
	s.pending = d.SweepPending
}
