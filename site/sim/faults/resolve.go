// Package faults is the simulated site's fault schedule: a scenario's
// faults resolved against a site's catalog (which servers and packages
// each hits, drawn from the seed) and their timetable (when each starts
// and ends, when the CMDB and each server do not answer).
//
// It says what breaks when; package world says what breaking does.
package faults

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

// Fault is a scenario fault resolved against a site: its servers and
// packages as indices into the site's catalog (sorted), its window as
// offsets from the site's epoch. Resolved faults are immutable.
type Fault struct {
	Index     int // position in the scenario
	Kind      string
	Servers   []int
	Packages  []int
	From, End time.Duration
	PackageID string
}

// Catalog is what resolving needs of a site's catalog.
type Catalog interface {
	// Server finds a server by name, case-insensitively.
	Server(vocab.Host) (int, bool)
	// Package finds a package by canonical GUID.
	Package(vocab.GUID) (int, bool)
	// Size is how many servers and packages the site has.
	Size() (servers, packages int)
}

// Resolve resolves a scenario's faults against a catalog: which servers
// and packages each hits, and its window. Servers and packages chosen by
// count come from a seeded PCG that prefers ones no earlier fault used,
// so that each fault shows alone where the site is large enough.
func Resolve(sc *scenario.Scenario, cat Catalog, seed int64) ([]Fault, error) {
	r := scenario.Rand(seed, scenario.StreamFaults)
	usedServers := map[int]bool{}
	usedPackages := map[int]bool{}
	servers, packages := cat.Size()
	var out []Fault
	for i, f := range sc.Faults {
		pf := Fault{Index: i, Kind: f.Kind, From: f.From, PackageID: f.PackageID}
		pf.End = sc.Duration
		if f.For > 0 {
			pf.End = f.From + f.For
		}
		for _, name := range f.Servers {
			s, ok := cat.Server(vocab.Host(name))
			if !ok {
				return nil, fmt.Errorf("faults[%d]: unknown server %q", i, vocab.Clip(name))
			}
			pf.Servers = append(pf.Servers, s)
			usedServers[s] = true
		}
		if f.Count > 0 {
			pf.Servers = pick(r, f.Count, servers, usedServers)
		}
		slices.Sort(pf.Servers)
		switch {
		case f.Packages >= packages:
			pf.Packages = allIndices(packages)
		case f.Packages > 0:
			pf.Packages = pick(r, f.Packages, packages, usedPackages)
		}
		if f.Kind == scenario.BadRow {
			if g, err := vocab.ParseGUID(f.PackageID); err == nil {
				if _, known := cat.Package(g); known {
					return nil, fmt.Errorf("faults[%d]: bad_row package_id names a real package", i)
				}
			}
		}
		out = append(out, pf)
	}
	return out, nil
}

// pick draws n distinct indices below total, those not in used first, and
// marks them used. The result is sorted.
func pick(r *rand.Rand, n, total int, used map[int]bool) []int {
	var fresh, stale []int
	for i := range total {
		if used[i] {
			stale = append(stale, i)
		} else {
			fresh = append(fresh, i)
		}
	}
	r.Shuffle(len(fresh), func(i, j int) { fresh[i], fresh[j] = fresh[j], fresh[i] })
	r.Shuffle(len(stale), func(i, j int) { stale[i], stale[j] = stale[j], stale[i] })
	out := append(fresh, stale...)[:n]
	for _, i := range out {
		used[i] = true
	}
	out = slices.Clone(out)
	slices.Sort(out)
	return out
}

func allIndices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
