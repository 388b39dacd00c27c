package sim

import (
	"context"
	"slices"

	"github.com/itms-tools/reconciler/site/sim/layout"
)

// memStore keeps a site in Go structures, sized for millions of pairs: a
// pair costs nothing while it is healthy (its snapshot and PackageStatus
// file at the package version, its row Ready at the package version, not
// downloading); only deviations are stored, in per-server maps.
type memStore struct {
	cat     *catalog
	inScope []bool
	m       *meta
	check   func(layout.Op, string) error
	nsSet   nsSetting
	nsSnaps map[int]fileVer // NS snapshots that deviate from the package version
	srv     []memServer
	vers    *interner
	notRdy  int // in-scope valid pairs not Ready at the package version
}

// memServer is one package server's state.
type memServer struct {
	agent agentRec
	pairs map[int32]pairDelta // deviating pairs, by package index
	inQ   map[int32]struct{}  // pairs whose row is in question
	nonRd [numStatus]int32    // rows by status, Ready aside
	bad   []string            // PackageIds of bad rows (Invalid, version "")
	log   []logEvent          // the last logTailEvents events
}

func newMemStore(cat *catalog, inScope []bool, m *meta, ns nsSetting, check func(layout.Op, string) error) *memStore {
	st := &memStore{
		cat: cat, inScope: inScope, m: m, check: check, nsSet: ns,
		nsSnaps: map[int]fileVer{}, srv: make([]memServer, len(cat.servers)), vers: newInterner(),
	}
	acl := defaultACL(ns.Cred)
	for i := range st.srv {
		st.srv[i].agent = agentRec{Applied: ns.Cred, Received: ns.Version, FullControl: acl}
	}
	for _, p := range cat.packages {
		st.vers.id(p.version)
		st.vers.id(p.prev)
	}
	return st
}

func (st *memStore) begin(context.Context) (*meta, error) { return st.m, nil }
func (st *memStore) end(*meta) error                      { return nil }
func (st *memStore) close() error                         { return nil }

func (st *memStore) ns() (nsSetting, error) { return st.nsSet, nil }

func (st *memStore) putNS(ns nsSetting) error {
	if err := st.check(layout.Write, layout.NSSettingsFile); err != nil {
		return err
	}
	st.nsSet = ns
	return nil
}

func (st *memStore) nsSnapshot(p int) (fileVer, error) {
	if f, ok := st.nsSnaps[p]; ok {
		return f, nil
	}
	return fileVer{true, st.cat.packages[p].version}, nil
}

func (st *memStore) putNSSnapshot(p int, f fileVer) error {
	if err := st.check(writeOrDelete(f.Present), layout.NSSnapshot(string(st.cat.packages[p].id))); err != nil {
		return err
	}
	if f == (fileVer{true, st.cat.packages[p].version}) {
		delete(st.nsSnaps, p)
	} else {
		st.nsSnaps[p] = f
	}
	return nil
}

func (st *memStore) agent(s int) (agentRec, error) { return st.srv[s].agent, nil }

func (st *memStore) putAgent(s int, a agentRec) error {
	if err := st.check(layout.Write, layout.AgentJSON(string(st.cat.servers[s].name))); err != nil {
		return err
	}
	st.srv[s].agent = a
	return nil
}

func (st *memStore) appendLog(s int, evs []logEvent) error {
	if err := st.check(layout.Write, layout.AgentLog(string(st.cat.servers[s].name))); err != nil {
		return err
	}
	sv := &st.srv[s]
	sv.log = append(sv.log, evs...)
	if n := len(sv.log); n > logTailEvents {
		sv.log = slices.Clone(sv.log[n-logTailEvents:])
	}
	return nil
}

func (st *memStore) logTail(s int) ([]logEvent, error) { return slices.Clone(st.srv[s].log), nil }

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
