package sim

import (
	"context"
	"slices"

	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/site/sim/world"
)

// memStore keeps a site in Go structures, sized for millions of pairs: a
// pair costs nothing while it is healthy (its snapshot and PackageStatus
// file at the package version, its row Ready at the package version, not
// downloading); only deviations are stored, in per-server maps.
type memStore struct {
	cat     *world.Catalog
	inScope []bool
	m       *world.Meta
	check   func(layout.Op, string) error
	nsSet   world.NSSetting
	nsSnaps map[int]world.FileVer // NS snapshots that deviate from the package version
	srv     []memServer
	vers    *interner
	notRdy  int // in-scope valid pairs not Ready at the package version
}

// memServer is one package server's state.
type memServer struct {
	agent world.AgentRec
	pairs map[int32]pairDelta // deviating pairs, by package index
	inQ   map[int32]struct{}  // pairs whose row is in question
	nonRd [numStatus]int32    // rows by status, Ready aside
	bad   []string            // PackageIds of bad rows (Invalid, version "")
	log   []world.LogEvent    // the last logTailEvents events
}

func newMemStore(cat *world.Catalog, inScope []bool, m *world.Meta, ns world.NSSetting, check func(layout.Op, string) error) *memStore {
	st := &memStore{
		cat: cat, inScope: inScope, m: m, check: check, nsSet: ns,
		nsSnaps: map[int]world.FileVer{}, srv: make([]memServer, len(cat.Servers)), vers: newInterner(),
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

func (st *memStore) Begin(context.Context) (*world.Meta, error) { return st.m, nil }
func (st *memStore) End(*world.Meta) error                      { return nil }
func (st *memStore) Close() error                               { return nil }

func (st *memStore) NS() (world.NSSetting, error) { return st.nsSet, nil }

func (st *memStore) PutNS(ns world.NSSetting) error {
	if err := st.check(layout.Write, layout.NSSettingsFile); err != nil {
		return err
	}
	st.nsSet = ns
	return nil
}

func (st *memStore) NSSnapshot(p int) (world.FileVer, error) {
	if f, ok := st.nsSnaps[p]; ok {
		return f, nil
	}
	return world.FileVer{Present: true, Version: st.cat.Packages[p].Version}, nil
}

func (st *memStore) PutNSSnapshot(p int, f world.FileVer) error {
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

func (st *memStore) Agent(s int) (world.AgentRec, error) { return st.srv[s].agent, nil }

func (st *memStore) PutAgent(s int, a world.AgentRec) error {
	if err := st.check(layout.Write, layout.AgentJSON(string(st.cat.Servers[s].Name))); err != nil {
		return err
	}
	st.srv[s].agent = a
	return nil
}

func (st *memStore) AppendLog(s int, evs []world.LogEvent) error {
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

func (st *memStore) LogTail(s int) ([]world.LogEvent, error) { return slices.Clone(st.srv[s].log), nil }

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
