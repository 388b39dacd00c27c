package planner

import (
	"slices"

	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// NeedsServerList reports whether the planner needs every package server,
// not only those with rows in question: when the NS credential differs from
// the policy's, every server in scope must take the new setting.
func NeedsServerList(d desired.State, obs *observed.Observation) bool {
	return obs.CMDBErr == nil && obs.NSErr == nil && !obs.NSUnmanaged && !d.NSInSync(obs.NS)
}

// ListRequest is the first of a pass's requests: the server list, when the
// planner needs every server (NeedsServerList) or a sweep is due.
func ListRequest(d desired.State, obs *observed.Observation, sweep bool) observed.Request {
	return observed.Request{ServerList: obs.CMDBErr == nil && (sweep || NeedsServerList(d, obs))}
}

// Request is the second: what Needs says, as a value.
func Request(in Input) observed.Request {
	need, pkgs := Needs(in)
	return observed.Request{Agents: need, NSPackages: pkgs}
}

// Everything is what a survey (`reconciler status`) asks of an observation
// that holds the server list: every server in scope, with its packages in
// question, held or not, and their NS snapshots; nothing once the CMDB
// failed.
func Everything(d desired.State, obs *observed.Observation) observed.Request {
	if obs.CMDBErr != nil {
		return observed.Request{}
	}
	need := withListed(obs.Need(d.InScope), obs, d.InScope)
	return observed.Request{Agents: need, NSPackages: packagesOf(need)}
}

// Needs says what must be observed beyond the CMDB before planning: each
// server's agent with the packages in question on it, and the NS snapshots
// of those packages. Servers out of scope or held get no call. Listed
// servers (see NeedsServerList) and those in Input.Also are added with no
// packages.
func Needs(in Input) (map[vocab.Host][]vocab.GUID, []vocab.GUID) {
	if blocked(in.Obs, in.Held) != "" {
		return nil, nil
	}
	keep := func(h vocab.Host) bool { return in.Desired.InScope(h) && in.Held[h] == "" }
	need := withListed(in.Obs.Need(keep), in.Obs, keep)
	for _, h := range in.Also {
		if _, ok := need[h]; !ok && keep(h) {
			need[h] = nil
		}
	}
	return need, packagesOf(need)
}

// withListed adds every listed server that keep accepts to need, with no
// packages (its server-wide facts).
func withListed(need map[vocab.Host][]vocab.GUID, obs *observed.Observation, keep func(vocab.Host) bool) map[vocab.Host][]vocab.GUID {
	for _, s := range obs.Servers() {
		if _, ok := need[s.Name]; !ok && keep(s.Name) {
			need[s.Name] = nil
		}
	}
	return need
}

// packagesOf is every package need names, once each, sorted.
func packagesOf(need map[vocab.Host][]vocab.GUID) []vocab.GUID {
	var pkgs []vocab.GUID
	seen := map[vocab.GUID]bool{}
	for _, ps := range need {
		for _, p := range ps {
			if !seen[p] {
				seen[p] = true
				pkgs = append(pkgs, p)
			}
		}
	}
	sortGUIDs(pkgs)
	return pkgs
}

func sortGUIDs(gs []vocab.GUID) { slices.Sort(gs) }
