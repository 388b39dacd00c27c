package sim

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/site/sim/world"
)

// Clone returns a deep copy of a memory site, for brute-force searches
// over action sequences. The copy shares the clock and the immutable
// catalog, nothing else. It panics on a disk site, whose state is its
// folder.
func (s *Site) Clone() *Site {
	s.mu.Lock()
	defer s.mu.Unlock()
	mst, ok := s.w.Store.(*memStore)
	if !ok {
		panic("sim: Clone needs a memory site")
	}
	c := &Site{
		clk: s.clk, w: &world.World{Cat: s.w.Cat, Sched: s.w.Sched, Meta: s.w.Meta.Clone()}, inScope: s.inScope,
		timeline: slices.Clone(s.timeline), last: s.last, notes: slices.Clone(s.notes),
	}
	c.w.Store = mst.clone(c.w.Meta, c.check)
	return c
}

func (st *memStore) clone(m *world.Meta, check func(layout.Op, string) error) *memStore {
	c := *st
	c.m, c.check = m, check
	c.nsSnaps = maps.Clone(st.nsSnaps)
	c.vers = st.vers.clone()
	c.srv = make([]memServer, len(st.srv))
	for i, sv := range st.srv {
		sv.agent = sv.agent.Clone()
		sv.pairs = maps.Clone(sv.pairs)
		sv.inQ = maps.Clone(sv.inQ)
		sv.bad = slices.Clone(sv.bad)
		sv.log = slices.Clone(sv.log)
		c.srv[i] = sv
	}
	return &c
}

// StateKey returns a canonical string of a memory site's complete state:
// the NS, every deviation of every server and pair, the hidden stuck
// flags, the queued reports and how far the schedule has run. Equal
// states give equal keys. Counters (applied actions, unsafe paths, the
// timeline) are not state and are left out; of agent.log only what an
// observation reads (the signatures) counts. It panics on a disk site.
func (s *Site) StateKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.w.Store.(*memStore)
	if !ok {
		panic("sim: StateKey needs a memory site")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ns %s|%s|%d done %d\n", st.nsSet.Cred.Mode, st.nsSet.Cred.Account, st.nsSet.Version, s.w.Meta.Done)
	for _, p := range slices.Sorted(maps.Keys(st.nsSnaps)) {
		fmt.Fprintf(&b, "nssnap %d %v\n", p, st.nsSnaps[p])
	}
	for i := range st.srv {
		st.serverKey(&b, i, s.w.Meta.Stuck[i])
	}
	for _, w := range s.w.Meta.Queue {
		fmt.Fprintf(&b, "queued %d %d %v %t %q\n", w.At.UnixNano(), w.Server, w.Rows, w.RestReady, w.BadRow)
	}
	return b.String()
}

func (st *memStore) serverKey(b *strings.Builder, i int, stuck bool) {
	sv := &st.srv[i]
	a := sv.agent
	fmt.Fprintf(b, "s%d %s|%s|%d|%q|%v|%t|%q\n", i, a.Applied.Mode, a.Applied.Account, a.Received,
		a.FullControl, a.Downloading, stuck, world.Signatures(sv.log))
	for _, p := range slices.Sorted(maps.Keys(sv.pairs)) {
		snap, _ := st.Snapshot(i, int(p))
		file, _ := st.StatusFile(i, int(p))
		r, _ := st.Row(i, int(p))
		fmt.Fprintf(b, " p%d %v %v %v\n", p, snap, file, r)
	}
	for _, id := range sv.bad {
		fmt.Fprintf(b, " bad %q\n", id)
	}
}
