package memory

import (
	"context"
	"slices"

	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/site/sim/world"
)

// Store keeps a site in Go structures, sized for millions of pairs: a
// pair costs nothing while it is healthy (its snapshot and PackageStatus
// file at the package version, its row Ready at the package version, not
// downloading); only deviations are stored, in per-server maps. It
// implements world.Store, and shows what a disk store holding the same
// state shows.
type Store struct {
	cat     *world.Catalog
	inScope []bool
	m       *world.Meta
	check   func(layout.Op, string) error
	nsSet   world.NSSetting
	nsSnaps map[int]world.FileVer // NS snapshots that deviate from the package version
	srv     []server
	vers    *interner
	notRdy  int // in-scope valid pairs not Ready at the package version
}

var _ world.Store = (*Store)(nil)

// server is one package server's state.
type server struct {
	agent world.AgentRec
	pairs map[int32]pairDelta // deviating pairs, by package index
	inQ   map[int32]struct{}  // pairs whose row is in question
	nonRd [numStatus]int32    // rows by status, Ready aside
	bad   []string            // PackageIds of bad rows (Invalid, version "")
	log   []world.LogEvent    // the last world.LogTailEvents events
}

// New returns the store of a healthy site of the catalog: every server
// holds the NS setting ns and the default ACL, every pair is healthy. m is
// the site's bookkeeping (Begin returns it), inScope selects the servers
// NotReady counts, check is the guard every Put passes.
func New(cat *world.Catalog, inScope []bool, m *world.Meta, ns world.NSSetting, check func(layout.Op, string) error) *Store {
	st := &Store{
		cat: cat, inScope: inScope, m: m, check: check, nsSet: ns,
		nsSnaps: map[int]world.FileVer{}, srv: make([]server, len(cat.Servers)), vers: newInterner(),
	}
	acl := world.DefaultACL(ns.Cred)
	for i := range st.srv {
		st.srv[i].agent = world.AgentRec{Applied: ns.Cred, Received: ns.Version, FullControl: acl}
	}
	for _, p := range cat.Packages {
		st.vers.id(p.Version)
		st.vers.id(p.Prev)
	}
	return st
}

// Begin implements world.Store: the bookkeeping is always in memory.
func (st *Store) Begin(context.Context) (*world.Meta, error) { return st.m, nil }

// End implements world.Store: nothing to save.
func (st *Store) End(*world.Meta) error { return nil }

// Close implements world.Store: nothing to release.
func (st *Store) Close() error { return nil }

// NS implements world.Store.
func (st *Store) NS() (world.NSSetting, error) { return st.nsSet, nil }

// PutNS implements world.Store.
func (st *Store) PutNS(ns world.NSSetting) error {
	if err := st.check(layout.Write, layout.NSSettingsFile); err != nil {
		return err
	}
	st.nsSet = ns
	return nil
}

// NSSnapshot implements world.Store.
func (st *Store) NSSnapshot(p int) (world.FileVer, error) {
	if f, ok := st.nsSnaps[p]; ok {
		return f, nil
	}
	return world.FileVer{Present: true, Version: st.cat.Packages[p].Version}, nil
}

// PutNSSnapshot implements world.Store.
func (st *Store) PutNSSnapshot(p int, f world.FileVer) error {
	if err := st.check(writeOrDelete(f.Present), layout.NSSnapshot(string(st.cat.Packages[p].ID))); err != nil {
		return err
	}
	if f == (world.FileVer{Present: true, Version: st.cat.Packages[p].Version}) {
		delete(st.nsSnaps, p)
	} else {
		st.nsSnaps[p] = f
	}
	return nil
}

// Agent implements world.Store.
func (st *Store) Agent(s int) (world.AgentRec, error) { return st.srv[s].agent, nil }

// PutAgent implements world.Store.
func (st *Store) PutAgent(s int, a world.AgentRec) error {
	if err := st.check(layout.Write, layout.AgentJSON(string(st.cat.Servers[s].Name))); err != nil {
		return err
	}
	st.srv[s].agent = a
	return nil
}

// AppendLog implements world.Store.
func (st *Store) AppendLog(s int, evs []world.LogEvent) error {
	if err := st.check(layout.Write, layout.AgentLog(string(st.cat.Servers[s].Name))); err != nil {
		return err
	}
	sv := &st.srv[s]
	sv.log = append(sv.log, evs...)
	if n := len(sv.log); n > world.LogTailEvents {
		sv.log = slices.Clone(sv.log[n-world.LogTailEvents:])
	}
	return nil
}

// LogTail implements world.Store.
func (st *Store) LogTail(s int) ([]world.LogEvent, error) { return slices.Clone(st.srv[s].log), nil }

func writeOrDelete(present bool) layout.Op {
	if present {
		return layout.Write
	}
	return layout.Delete
}

// interner numbers version strings, so that a pair stores 4-byte ids.
type interner struct {
	strs []string
	ids  map[string]uint32
}

func newInterner() *interner {
	return &interner{strs: []string{""}, ids: map[string]uint32{"": 0}}
}

func (in *interner) id(s string) uint32 {
	if id, ok := in.ids[s]; ok {
		return id
	}
	id := uint32(len(in.strs))
	in.strs = append(in.strs, s)
	in.ids[s] = id
	return id
}

func (in *interner) str(id uint32) string { return in.strs[id] }

func (in *interner) clone() *interner {
	c := &interner{strs: slices.Clone(in.strs), ids: make(map[string]uint32, len(in.ids))}
	for k, v := range in.ids {
		c.ids[k] = v
	}
	return c
}
