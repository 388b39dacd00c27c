package observed

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// AgeDelta is what changed, since the previous delta taken from the same
// Ages, in the pairs that are in progress (Pending and the download
// statuses, the ones pending_grace protects): the pairs that entered such
// a status, with when they were first seen in it, and the pairs that left
// it. The daemon journals one with each pass, so that a one-shot command
// can rebuild the ages a daemon knew (AgeHistory) instead of taking every
// Pending row for one just seen.
type AgeDelta struct {
	// Reset: forget every earlier delta first (the first delta of a
	// process, or after one was not recorded).
	Reset   bool       `json:"reset,omitempty"`
	Started []AgeGroup `json:"started,omitempty"`
	Ended   []AgeGroup `json:"ended,omitempty"` // Since is zero
	// More counts the changes left out by the size bound; later deltas
	// carry them.
	More int `json:"more,omitempty"`
}

// AgeGroup is a set of pairs in one status, first seen in it at Since:
// lower-cased server name to sorted package ids.
type AgeGroup struct {
	Since  time.Time               `json:"since,omitzero"`
	Status vocab.Status            `json:"status"`
	Pairs  map[string][]vocab.GUID `json:"pairs"`
}

// Empty reports whether d says nothing.
func (d AgeDelta) Empty() bool {
	return !d.Reset && len(d.Started) == 0 && len(d.Ended) == 0 && d.More == 0
}

// Delta returns the changes in progress since the last Delta, at most
// limit pairs (ended ones first: a reader that misses an end could take a
// pair that went Ready and came back for an old one), and counts them as
// recorded. Call Unrecorded if the delta could not be written.
func (a *Ages) Delta(limit int) AgeDelta {
	if a == nil {
		return AgeDelta{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var d AgeDelta
	if a.recorded == nil {
		d.Reset, a.recorded, a.unrecorded = true, map[ageKey]time.Time{}, map[ageKey]struct{}{}
		for k := range a.first {
			if k.status.InProgress() {
				a.unrecorded[k] = struct{}{}
			}
		}
	}
	var ended, started []ageKey
	for k, was := range a.recorded {
		if !a.mayHaveEnded && !d.Reset {
			break // no pair in progress left: nothing recorded can have ended
		}
		if at, ok := a.first[k]; !ok {
			ended = append(ended, k)
		} else if !at.Equal(was) { // left and came back since the last delta
			a.unrecorded[k] = struct{}{}
		}
	}
	for k := range a.unrecorded {
		if _, ok := a.first[k]; ok {
			started = append(started, k)
		} else {
			delete(a.unrecorded, k) // came and went before it was told
		}
	}
	slices.SortFunc(ended, compareAgeKeys)
	slices.SortFunc(started, compareAgeKeys)
	allEnded := len(ended)
	ended, started, d.More = bound(ended, started, limit)
	a.mayHaveEnded = len(ended) < allEnded // the rest are found again next time
	for _, k := range ended {
		delete(a.recorded, k)
	}
	for _, k := range started {
		a.recorded[k] = a.first[k]
		delete(a.unrecorded, k)
	}
	d.Ended = groups(ended, func(ageKey) time.Time { return time.Time{} })
	d.Started = groups(started, func(k ageKey) time.Time { return a.first[k] })
	return d
}

// Unrecorded forgets what Delta counted as recorded: the next delta
// starts again from scratch (Reset).
func (a *Ages) Unrecorded() {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.recorded, a.unrecorded = nil, nil
}

// pruneUnrecorded drops the pairs no longer in question from unrecorded
// when it has grown past the pairs tracked (no delta taken for a while: a
// leader that lost its lock), so that it stays bounded.
func (a *Ages) pruneUnrecorded() {
	if len(a.unrecorded) <= len(a.first)+1024 {
		return
	}
	for k := range a.unrecorded {
		if _, ok := a.first[k]; !ok {
			delete(a.unrecorded, k)
		}
	}
}

// bound keeps at most limit keys, ended first, and counts the rest.
func bound(ended, started []ageKey, limit int) ([]ageKey, []ageKey, int) {
	more := max(0, len(ended)+len(started)-limit)
	if len(ended) > limit {
		return ended[:limit], nil, more
	}
	return ended, started[:min(len(started), limit-len(ended))], more
}

// groups groups sorted keys by first-seen time and status.
func groups(keys []ageKey, since func(ageKey) time.Time) []AgeGroup {
	type gk struct {
		at     int64
		status vocab.Status
	}
	idx := map[gk]int{}
	var out []AgeGroup
	for _, k := range keys {
		at := since(k)
		g := gk{at.UnixNano(), k.status}
		i, ok := idx[g]
		if !ok {
			i = len(out)
			idx[g] = i
			out = append(out, AgeGroup{Since: at.UTC(), Status: k.status, Pairs: map[string][]vocab.GUID{}})
		}
		out[i].Pairs[k.server] = append(out[i].Pairs[k.server], k.pkg)
	}
	slices.SortStableFunc(out, func(a, b AgeGroup) int {
		return cmp.Or(a.Since.Compare(b.Since), strings.Compare(string(a.Status), string(b.Status)))
	})
	return out
}

func compareAgeKeys(a, b ageKey) int {
	return cmp.Or(strings.Compare(a.server, b.server), strings.Compare(string(a.pkg), string(b.pkg)),
		strings.Compare(string(a.status), string(b.status)))
}

// AgeHistory rebuilds, delta by delta, the in-progress pairs a daemon
// knew and since when. The zero value is empty.
type AgeHistory struct {
	first map[ageKey]time.Time
	last  time.Time
}

// Reset forgets everything: a new process started with no memory.
func (h *AgeHistory) Reset() { h.first = nil }

// Apply applies the delta of a pass that ended at. Entries that are not
// well-formed (a journal is read back, not trusted) are skipped.
func (h *AgeHistory) Apply(at time.Time, d AgeDelta) {
	if d.Reset || h.first == nil {
		h.first = map[ageKey]time.Time{}
	}
	each := func(gs []AgeGroup, f func(ageKey, time.Time)) {
		for _, g := range gs {
			if !g.Status.InProgress() {
				continue
			}
			for server, pkgs := range g.Pairs {
				if _, err := vocab.ParseHost(server); err != nil || server != strings.ToLower(server) {
					continue
				}
				for _, p := range pkgs {
					if p.Valid() {
						f(ageKey{server: server, pkg: p, status: g.Status}, g.Since)
					}
				}
			}
		}
	}
	each(d.Ended, func(k ageKey, _ time.Time) { delete(h.first, k) })
	each(d.Started, func(k ageKey, since time.Time) {
		if !since.IsZero() && !since.After(at) {
			h.first[k] = since
		}
	})
	h.last = at
}

// Noted records a pass that ended at without a delta: a journal written
// before deltas existed, or a pass that saw no change.
func (h *AgeHistory) Noted(at time.Time) { h.last = at }

// Last is the end of the last pass applied or noted; zero if none.
func (h *AgeHistory) Last() time.Time { return h.last }

// Len is the number of in-progress pairs known.
func (h *AgeHistory) Len() int { return len(h.first) }

// Seed makes a's memory h's, as if a had observed those pairs since then:
// a pair in progress that h knows gets its time, any other pair is new.
// For one-shot commands, before their only observation.
func (a *Ages) Seed(h *AgeHistory) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.first = make(map[ageKey]time.Time, len(h.first))
	for k, at := range h.first {
		a.first[k] = at
	}
	a.started, a.inProgress = true, len(a.first)
}
