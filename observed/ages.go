package observed

import (
	"sync"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// Ages remembers, across passes of one process, when each pair was first
// seen in its current status, so that the planner can tell a download that
// just started from one stuck for hours. The zero value is ready to use and
// it is safe for concurrent use. A nil *Ages does nothing.
//
// Since is zero (unknown) for a pair first seen by this call when no
// earlier pass was observed, since the pair may have been in its status for
// any time; the planner treats unknown as just seen. A pair first seen in a
// later pass gets that pass's time.
type Ages struct {
	mu      sync.Mutex
	first   map[ageKey]time.Time
	started bool
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
		next[k] = first
	}
	a.first = next
	a.started = true
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
