package observed

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// Ages is the observer's memory across the passes of one process. It
// remembers when each pair was first seen in its current status, so that
// the planner can tell a download that just started from one stuck for
// hours, and which rows the last complete CMDB read rejected or found in
// conflict, so that a malformed row or a conflict is reported when it
// appears and when it goes rather than at every pass. The zero value is
// ready to use and it is safe for concurrent use. A nil *Ages does nothing
// (and every reject and conflict is new).
//
// Since is zero (unknown) for a pair first seen by this call when no
// earlier pass was observed, since the pair may have been in its status for
// any time; the planner treats unknown as just seen. A pair first seen in a
// later pass gets that pass's time.
type Ages struct {
	mu       sync.Mutex
	first    map[ageKey]time.Time
	started  bool
	rejected map[Reject]struct{}  // by the last complete read
	recorded map[ageKey]time.Time // in-progress pairs as the deltas told them; nil: none told yet
	// unrecorded are the in-progress pairs first seen since the last delta
	// (tracked once a delta was taken), so that a delta need not walk
	// every pair in question.
	unrecorded   map[ageKey]struct{}
	inProgress   int  // in-progress pairs in first
	mayHaveEnded bool // an in-progress pair left since the last delta
	// conflicted are the conflicts found by the last complete read of the
	// rows and of the server list (a pass reads the list only now and then).
	conflicted [2]map[conflictKey]Conflict
}

// ageKey identifies a pair in one status; a status change starts anew.
type ageKey struct {
	server string // lower-cased host name
	pkg    vocab.GUID
	status vocab.Status
}

// Observe sets Since on pairs (the complete set in question at now) and
// forgets every pair that is no longer in question or has changed status.
func (a *Ages) Observe(now time.Time, pairs []Pair) {
	rows := make([]entry[pairKey, Pair], len(pairs))
	for i, p := range pairs {
		rows[i] = entry[pairKey, Pair]{key: keyOf(p.Server, p.Package), val: p}
	}
	a.observe(now, rows)
	for i := range pairs {
		pairs[i].Since = rows[i].val.Since
	}
}

// observe is Observe over a table's rows, keyed already.
func (a *Ages) observe(now time.Time, rows []entry[pairKey, Pair]) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	next := make(map[ageKey]time.Time, len(rows))
	carried, fresh := 0, 0
	for i := range rows {
		p := &rows[i].val
		k := ageKey{server: rows[i].key.server, pkg: p.Package, status: p.Status}
		first, known := a.first[k]
		switch {
		case known:
			p.Since = first
		case a.started:
			first = now
			p.Since = now
		default:
			first = now
			p.Since = time.Time{}
		}
		if p.Status.InProgress() {
			if known {
				carried++
			} else {
				fresh++
				if a.recorded != nil {
					a.unrecorded[k] = struct{}{}
				}
			}
		}
		next[k] = first
	}
	if carried < a.inProgress {
		a.mayHaveEnded = true
	}
	a.first, a.inProgress = next, carried+fresh
	a.started = true
	a.pruneUnrecorded()
}

// Len returns the number of pairs tracked.
func (a *Ages) Len() int {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.first)
}

// rejects returns, of a complete read's rejects, those the last complete
// read did not have, and those of the last one that are gone; it then
// remembers this read's. Both come back in rs's order (sorted for gone).
func (a *Ages) rejects(rs []Reject) (appeared, gone []Reject) {
	if a == nil {
		return rs, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	next := make(map[Reject]struct{}, len(rs))
	for _, r := range rs {
		if _, seen := a.rejected[r]; !seen {
			appeared = append(appeared, r)
		}
		next[r] = struct{}{}
	}
	for r := range a.rejected {
		if _, still := next[r]; !still {
			gone = append(gone, r)
		}
	}
	slices.SortFunc(gone, compareReject)
	a.rejected = next
	return appeared, gone
}

// conflictKey identifies a conflict (compareConflict's fields): its rows
// held back may change without making it another.
type conflictKey struct {
	kind    ConflictKind
	server  vocab.Host
	id, pkg vocab.GUID
	values  string
}

func keyOfConflict(c Conflict) conflictKey {
	return conflictKey{c.Kind, c.Server, c.ServerID, c.Package, strings.Join(c.Values, "\x00")}
}

// conflicts returns, of the conflicts a complete read of the rows (or,
// fromList, of the server list) found, those that neither the last read of
// the rows nor that of the list had, and those of the last reads that
// neither has any more; it then remembers this read's. A read of the rows
// alone leaves the list's conflicts as they were, so that a conflict only
// the list shows is not gone between two reads of it. Appeared come back
// in found's order, gone sorted.
func (a *Ages) conflicts(found []Conflict, fromList bool) (appeared, gone []Conflict) {
	if a == nil {
		return found, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	side := 0
	if fromList {
		side = 1
	}
	other := a.conflicted[1-side]
	before := a.conflicted[side]
	next := make(map[conflictKey]Conflict, len(found))
	for _, c := range found {
		k := keyOfConflict(c)
		_, was := before[k]
		_, elsewhere := other[k]
		if _, dup := next[k]; !was && !elsewhere && !dup {
			appeared = append(appeared, c)
		}
		next[k] = c
	}
	for k, c := range before {
		_, still := next[k]
		_, elsewhere := other[k]
		if !still && !elsewhere {
			gone = append(gone, c)
		}
	}
	slices.SortFunc(gone, compareConflict)
	a.conflicted[side] = next
	return appeared, gone
}
