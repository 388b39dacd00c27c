package observed

import (
	"cmp"
	"slices"

	"github.com/itms-tools/reconciler/vocab"
)

// pairSet collects the pairs of a read as they come, one per (server,
// package): a second pair for one replaces the first when it comes first
// in comparePairs' order; the one left out is rejected as a duplicate.
// Rows for one pair that disagree on the status or a version are noted
// (disagree); conflicts then takes those pairs out.
type pairSet struct {
	t        table[pairKey, Pair]
	hk       hostKeys
	rejects  []Reject
	disagree map[pairKey]*pairRows
}

// pairRows is what disagreeing rows of one pair say.
type pairRows struct {
	values []string // "status at version", each once
	rows   int
}

func (s *pairSet) add(p Pair) {
	if s.t.index == nil {
		s.t = newTable[pairKey, Pair](comparePairKeys)
	}
	k := pairKey{server: s.hk.of(p.Server), pkg: p.Package}
	i, seen := s.t.index[k]
	if !seen {
		s.t.put(k, p)
		return
	}
	old := &s.t.rows[i].val
	if p.Status != old.Status || p.Version != old.Version || p.PackageVersion != old.PackageVersion {
		s.noteDisagreement(k, *old, p)
	} else if d := s.disagree[k]; d != nil {
		d.rows++
	}
	dup := p
	if comparePairs(&p, old) < 0 {
		dup, *old = *old, p
	}
	s.rejects = append(s.rejects, Reject{ServerID: string(dup.ServerID), Server: string(dup.Server),
		PackageID: string(dup.Package), Reason: reasonDuplicatePair})
}

func (s *pairSet) noteDisagreement(k pairKey, old, p Pair) {
	if s.disagree == nil {
		s.disagree = map[pairKey]*pairRows{}
	}
	d := s.disagree[k]
	if d == nil {
		d = &pairRows{values: []string{rowValue(old)}, rows: 1}
		s.disagree[k] = d
	}
	d.rows++
	if v := rowValue(p); !slices.Contains(d.values, v) {
		d.values = append(d.values, v)
	}
}

// rowValue is what a row says of its pair.
func rowValue(p Pair) string {
	v := string(p.Status) + " at version " + p.Version
	if p.Version == "" {
		v = string(p.Status) + " with no version"
	}
	if p.PackageVersion != "" {
		v += " (package at " + p.PackageVersion + ")"
	}
	return v
}

// conflicts takes the pairs whose rows disagree out of the set, with their
// duplicate rejects, and returns a conflict for each.
func (s *pairSet) conflicts() []Conflict {
	if len(s.disagree) == 0 {
		return nil
	}
	var out []Conflict
	for k, d := range s.disagree {
		p := s.t.rows[s.t.index[k]].val
		out = append(out, Conflict{Kind: ConflictPairRows, Server: p.Server, Package: p.Package,
			PackageName: p.PackageName, Values: sorted(d.values), Held: d.rows})
	}
	s.t.filter(func(k pairKey) bool { return s.disagree[k] == nil })
	s.rejects = slices.DeleteFunc(s.rejects, func(r Reject) bool {
		return r.Reason == reasonDuplicatePair && s.disagree[keyOf(vocab.Host(r.Server), vocab.GUID(r.PackageID))] != nil
	})
	slices.SortFunc(out, compareConflict)
	return out
}

func comparePairs(a, b *Pair) int {
	return cmp.Or(compareHost(a.Server, b.Server), cmp.Compare(a.Package, b.Package),
		cmp.Compare(a.ServerID, b.ServerID), cmp.Compare(a.Status, b.Status),
		cmp.Compare(a.Version, b.Version))
}
