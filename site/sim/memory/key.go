package memory

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/site/sim/world"
)

// Clone returns a deep copy of the store that keeps its state in m (a
// copy of the bookkeeping) and refuses through check. The copy shares the
// immutable catalog and scope, nothing else.
func (st *Store) Clone(m *world.Meta, check func(layout.Op, string) error) *Store {
	c := *st
	c.m, c.check = m, check
	c.nsSnaps = maps.Clone(st.nsSnaps)
	c.vers = st.vers.clone()
	c.srv = make([]server, len(st.srv))
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

// StateKey returns a canonical string of the site's complete state:
// the NS, every deviation of every server and pair, the hidden stuck
// flags, the queued reports and how far the schedule has run. Equal
// states give equal keys. Counters (applied actions, unsafe paths, the
// timeline) are not state and are left out; of agent.log only what an
// observation reads (the signatures) counts.
func (st *Store) StateKey() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ns %s|%s|%d done %d\n", st.nsSet.Cred.Mode, st.nsSet.Cred.Account, st.nsSet.Version, st.m.Done)
	for _, p := range slices.Sorted(maps.Keys(st.nsSnaps)) {
		fmt.Fprintf(&b, "nssnap %d %v\n", p, st.nsSnaps[p])
	}
	for i := range st.srv {
		st.serverKey(&b, i, st.m.Stuck[i])
	}
	for _, w := range st.m.Queue {
		fmt.Fprintf(&b, "queued %d %d %v %t %q\n", w.At.UnixNano(), w.Server, w.Rows, w.RestReady, w.BadRow)
	}
	for _, k := range slices.SortedFunc(maps.Keys(st.m.Cleared), func(a, b world.PairKey) int {
		return cmp.Or(cmp.Compare(a.Server, b.Server), cmp.Compare(a.Package, b.Package))
	}) {
		fmt.Fprintf(&b, "cleared %d %d\n", k.Server, k.Package)
	}
	for _, k := range slices.SortedFunc(maps.Keys(st.m.Tried), func(a, b world.TryKey) int {
		return cmp.Or(cmp.Compare(a.Server, b.Server), cmp.Compare(a.Kind, b.Kind))
	}) {
		fmt.Fprintf(&b, "tried %d %s\n", k.Server, k.Kind)
	}
	return b.String()
}

func (st *Store) serverKey(b *strings.Builder, i int, stuck bool) {
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
