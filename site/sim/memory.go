package sim

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/site/sim/memory"
	"github.com/itms-tools/reconciler/site/sim/world"
)

// What only a memory site can do: be copied, be keyed, write its CMDB.

// Clone returns a deep copy of a memory site, for brute-force searches
// over action sequences. The copy shares the clock and the immutable
// catalog, nothing else. It panics on a disk site, whose state is its
// folder.
func (s *Site) Clone() *Site {
	s.mu.Lock()
	defer s.mu.Unlock()
	mst, ok := s.w.Store.(*memory.Store)
	if !ok {
		panic("sim: Clone needs a memory site")
	}
	c := &Site{
		clk: s.clk, w: &world.World{Cat: s.w.Cat, Sched: s.w.Sched, Meta: s.w.Meta.Clone()}, inScope: s.inScope,
		timeline: slices.Clone(s.timeline), last: s.last, notes: slices.Clone(s.notes),
	}
	c.w.Store = mst.Clone(c.w.Meta, c.check)
	return c
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
	st, ok := s.w.Store.(*memory.Store)
	if !ok {
		panic("sim: StateKey needs a memory site")
	}
	return st.StateKey()
}

// WriteCMDB writes a memory site's CMDB, as it stands now, into db (an
// empty SQLite database): cmdb.SQLiteSchema's tables with every row,
// healthy ones included, spelled as the disk site spells them. Read back
// through cmdb.Reader it yields the rows the site's own InQuestion yields,
// so that benchmarks can time the production query on an estate of
// millions of pairs while the same site answers for the agents and the NS.
// It writes whatever the CMDB holds even while a cmdb_down fault is on.
// It fails on a disk site, whose CMDB is already a file.
func (s *Site) WriteCMDB(ctx context.Context, db *sql.DB) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.w.Store.(*memory.Store)
	if !ok {
		return errors.New("sim: WriteCMDB needs a memory site")
	}
	if err := s.doLocked(ctx, func(time.Time) error { return nil }); err != nil {
		return err
	}
	return st.WriteCMDB(ctx, db)
}
