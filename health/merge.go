package health

import (
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// Merge is the health of every server known, as of cur: a pass observes
// only the servers with rows in question, so cur alone would show a
// healthy server as absent (and an estate whose every server is healthy
// as empty). Servers that known holds and cur did not see are carried,
// with PackagesReady True — the CMDB was read and none of their rows was
// in question — and a condition cur could not observe (NotObserved) keeps
// the value last observed. A server list in cur is authoritative: a
// server it lacks is gone. When cur could not read the CMDB it is
// returned as it is (nothing is known now).
func Merge(cur Report, known *Report) Report {
	if cur.CMDBError != "" || known == nil {
		return cur
	}
	out := cur
	out.Servers = make([]ServerHealth, 0, max(len(cur.Servers), len(known.Servers)))
	out.Totals = Totals{Pairs: map[string]int{}, OutOfScope: cur.Totals.OutOfScope, Rejects: cur.Totals.Rejects, Conflicts: cur.Totals.Conflicts}
	a, b := sortedByName(cur.Servers), sortedByName(known.Servers)
	for len(a) > 0 || len(b) > 0 {
		c := 0
		switch {
		case len(a) == 0:
			c = 1
		case len(b) == 0:
			c = -1
		default:
			c = compareFold(string(a[0].Name), string(b[0].Name))
		}
		switch {
		case c < 0:
			out.add(a[0])
			a = a[1:]
		case c == 0:
			out.add(keepObserved(a[0], b[0]))
			a, b = a[1:], b[1:]
		default:
			if !cur.ServersListed {
				out.add(allRowsReady(b[0], cur.At))
			}
			b = b[1:]
		}
	}
	out.ServersListed = cur.ServersListed || known.ServersListed
	return out
}

// sortedByName returns ss sorted by name case-insensitively, as
// Evaluate leaves them; a copy only when they are not.
func sortedByName(ss []ServerHealth) []ServerHealth {
	if slices.IsSortedFunc(ss, byName) {
		return ss
	}
	out := slices.Clone(ss)
	slices.SortFunc(out, byName)
	return out
}

func byName(a, b ServerHealth) int { return compareFold(string(a.Name), string(b.Name)) }

// compareFold compares host names (ASCII, see vocab.ParseHost) ignoring
// case, without allocating.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := lowerASCII(a[i]), lowerASCII(b[i])
		if x != y {
			return int(x) - int(y)
		}
	}
	return len(a) - len(b)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Roster makes known's server set the one a server list shows: servers
// the list lacks are dropped, servers known lacks are added as the list
// shows them. Conditions known observed are kept.
func Roster(known *Report, listing Report) *Report {
	if listing.CMDBError != "" {
		return known
	}
	out := listing
	out.Servers = nil
	old := map[string]ServerHealth{}
	if known != nil {
		for _, s := range known.Servers {
			old[strings.ToLower(string(s.Name))] = s
		}
	}
	for _, s := range listing.Servers {
		if k, ok := old[strings.ToLower(string(s.Name))]; ok {
			s = keepObserved(k, s)
		}
		out.Servers = append(out.Servers, s)
	}
	return &out
}

// keepObserved returns s with every condition it did not observe taken
// from old, when old observed it.
func keepObserved(s, old ServerHealth) ServerHealth {
	var conds []Condition
	for i, c := range s.Conditions {
		if c.Reason != ReasonNotObserved {
			continue
		}
		if o, ok := old.Condition(c.Type); ok && o.Reason != ReasonNotObserved {
			if conds == nil {
				conds = slices.Clone(s.Conditions)
			}
			conds[i] = o
		}
	}
	if conds != nil {
		s.Conditions = conds
	}
	return s
}

// allRowsReady is s carried to a read that found none of its rows in
// question: PackagesReady True, nothing not Ready. Its counts by status
// are not known (the read did not count them) and are left empty.
func allRowsReady(s ServerHealth, now time.Time) ServerHealth {
	if c, ok := s.Condition(PackagesReady); ok && c.Reason == ReasonAllRowsReady && s.NotReady == 0 && s.InGrace == 0 && len(s.Counts) == 0 {
		return s // carried already: nothing to change
	}
	s.Counts = map[string]int{}
	s.NotReady, s.InGrace = 0, 0
	conds := slices.Clone(s.Conditions)
	for i, c := range conds {
		if c.Type != PackagesReady {
			continue
		}
		next := Condition{Type: PackagesReady, Status: True, Reason: ReasonAllRowsReady,
			Message: "no row in question at the last CMDB read", LastTransition: c.LastTransition}
		if c.Status != True {
			next.LastTransition = now
		}
		conds[i] = next
	}
	s.Conditions = conds
	return s
}

// Forget returns a copy of r in which the named servers' CredentialApplied
// and AclInPlace are Unknown (NotObserved, with why): what was observed of
// them no longer holds once actions were applied to them, and Merge then
// keeps nothing of it. Reachable stays (the actions reached the server),
// and PackagesReady is the CMDB's.
func Forget(r *Report, servers []vocab.Host, why string) *Report {
	if r == nil || len(servers) == 0 {
		return r
	}
	drop := map[string]bool{}
	for _, h := range servers {
		drop[strings.ToLower(string(h))] = true
	}
	out := *r
	out.Servers = slices.Clone(r.Servers)
	for i, s := range out.Servers {
		if !drop[strings.ToLower(string(s.Name))] {
			continue
		}
		conds := slices.Clone(s.Conditions)
		for j, c := range conds {
			if c.Type == CredentialApplied || c.Type == AclInPlace {
				conds[j] = Condition{Type: c.Type, Status: Unknown, Reason: ReasonNotObserved, Message: why}
			}
		}
		out.Servers[i].Conditions = conds
	}
	return &out
}
