package observed

import (
	"slices"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// Ages is the observer's memory across the passes of one process. It
// remembers when each pair was first seen in its current status, so that
// the planner can tell a download that just started from one stuck for
// hours, and which rows the last complete CMDB read rejected, so that a
// malformed row is reported when it appears and when it goes rather than
// at every pass. The zero value is ready to use and it is safe for
// concurrent use. A nil *Ages does nothing (and every reject is new).
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
