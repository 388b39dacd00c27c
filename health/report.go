package health

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// SchemaVersion is the version of the JSON schema RenderJSON writes. It
// changes only when a field is removed or changes meaning.
const SchemaVersion = 1

// Report is the health of a site at one time.
type Report struct {
	SchemaVersion int       `json:"schema_version"`
	At            time.Time `json:"at"`
	NS            NSHealth  `json:"ns"`
	// CMDBError is why the CMDB could not be read; the PackagesReady
	// conditions are then Unknown.
	CMDBError string `json:"cmdb_error,omitempty"`
	// ServersListed is set when the CMDB's server list was read, so that
	// servers without rows in question appear and counts are complete.
	ServersListed bool `json:"servers_listed"`
	// Servers in scope, by name (case-insensitively).
	Servers []ServerHealth    `json:"servers"`
	Totals  Totals            `json:"totals"`
	Rejects []observed.Reject `json:"rejects"`
	// Conflicts are facts the CMDB states two ways; nothing is planned for
	// what they name (observed.Conflict).
	Conflicts []observed.Conflict `json:"conflicts,omitempty"`
	// Credentials are the logins refused and no longer tried; the
	// controller fills them in (Evaluate sees only the observation).
	Credentials []Credential `json:"credentials_refused,omitempty"`
}

// NSHealth is the NS side: its credential setting against the policy's.
type NSHealth struct {
	// Credential and PolicyVersion are the NS setting; Credential is nil
	// when it could not be read (Error says why).
	Credential    *vocab.Credential `json:"credential,omitempty"`
	PolicyVersion int64             `json:"policy_version,omitempty"`
	Desired       vocab.Credential  `json:"desired"`
	InSync        bool              `json:"in_sync"`
	Error         string            `json:"error,omitempty"`
}

// Totals sum the servers in scope.
type Totals struct {
	Servers  int            `json:"servers"`
	Healthy  int            `json:"healthy"`
	Pairs    map[string]int `json:"pairs"`
	NotReady int            `json:"not_ready"`
	InGrace  int            `json:"in_grace"`
	// OutOfScope counts the servers seen but outside the policy's scope;
	// they are not reported.
	OutOfScope int `json:"out_of_scope"`
	Rejects    int `json:"rejects"`
	Conflicts  int `json:"conflicts,omitempty"`
}

// Evaluate judges every server seen in obs (listed, with rows in question,
// or observed) that d puts in scope. prev is the previous report, for the
// conditions' last transition times; nil when there is none.
func Evaluate(d desired.State, obs *observed.Observation, prev *Report, now time.Time) Report {
	r := Report{
		SchemaVersion: SchemaVersion,
		At:            now,
		NS:            nsHealth(d, obs),
		ServersListed: obs.ServersListed,
		Servers:       []ServerHealth{},
		Totals:        Totals{Pairs: map[string]int{}},
		Rejects:       append([]observed.Reject{}, obs.Rejects...),
		Conflicts:     slices.Clone(obs.Conflicts),
	}
	if obs.CMDBErr != nil {
		r.CMDBError = obs.CMDBErr.Error()
	}
	history := previous(prev)
	for _, name := range serversSeen(obs) {
		if !d.InScope(name) {
			r.Totals.OutOfScope++
			continue
		}
		s := evaluateServer(d.For(name), obs, now)
		carry(s.Conditions, history[strings.ToLower(string(name))], now)
		r.add(s)
	}
	r.Totals.Rejects = len(r.Rejects)
	r.Totals.Conflicts = len(r.Conflicts)
	return r
}

func (r *Report) add(s ServerHealth) {
	r.Servers = append(r.Servers, s)
	r.Totals.Servers++
	if s.Healthy() {
		r.Totals.Healthy++
	}
	r.Totals.NotReady += s.NotReady
	r.Totals.InGrace += s.InGrace
	for st, n := range s.Counts {
		r.Totals.Pairs[st] += n
	}
}

func nsHealth(d desired.State, obs *observed.Observation) NSHealth {
	h := NSHealth{Desired: d.Credential}
	if obs.NSUnmanaged {
		h.Error = "not managed on this site (no credential command)"
		h.InSync = true
		return h
	}
	if obs.NSErr != nil {
		h.Error = obs.NSErr.Error()
		return h
	}
	cred := obs.NS.Credential
	h.Credential = &cred
	h.PolicyVersion = obs.NS.PolicyVersion
	h.InSync = d.NSInSync(obs.NS)
	return h
}

// serversSeen returns every server obs knows of, once each (names that
// differ only in case are one server), by name.
func serversSeen(obs *observed.Observation) []vocab.Host {
	seen := map[string]vocab.Host{}
	add := func(h vocab.Host) {
		k := strings.ToLower(string(h))
		if old, ok := seen[k]; !ok || h < old {
			seen[k] = h
		}
	}
	for _, s := range obs.Servers() {
		add(s.Name)
	}
	for _, h := range obs.ServersInQuestion() {
		add(h)
	}
	for _, a := range obs.Agents() {
		add(a.Server)
	}
	for _, c := range obs.Conflicts {
		switch c.Kind {
		case observed.ConflictServerIDs:
			add(c.Server)
		case observed.ConflictServerNames:
			for _, v := range c.Values {
				add(vocab.Host(v))
			}
		}
	}
	keys := slices.Sorted(maps.Keys(seen))
	out := make([]vocab.Host, len(keys))
	for i, k := range keys {
		out[i] = seen[k]
	}
	return out
}

// previous indexes the previous report's conditions by server.
func previous(prev *Report) map[string][]Condition {
	m := map[string][]Condition{}
	if prev == nil {
		return m
	}
	for _, s := range prev.Servers {
		m[strings.ToLower(string(s.Name))] = s.Conditions
	}
	return m
}

// carry sets each condition's LastTransition: the previous one when the
// status did not change, now when it did, zero when there is no history.
func carry(cs []Condition, prev []Condition, now time.Time) {
	for i := range cs {
		for _, p := range prev {
			if p.Type != cs[i].Type {
				continue
			}
			if p.Status == cs[i].Status {
				cs[i].LastTransition = p.LastTransition
			} else {
				cs[i].LastTransition = now
			}
		}
	}
}
