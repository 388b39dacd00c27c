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
	need := in.Obs.Need(keep)
	for _, s := range in.Obs.Servers() {
		if _, ok := need[s.Name]; !ok && keep(s.Name) {
			need[s.Name] = nil
		}
	}
	for _, h := range in.Also {
		if _, ok := need[h]; !ok && keep(h) {
			need[h] = nil
		}
	}
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
	return need, pkgs
}

func sortGUIDs(gs []vocab.GUID) { slices.Sort(gs) }
