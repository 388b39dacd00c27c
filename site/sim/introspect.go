package sim

import (
	"context"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
)

// NotReady counts the in-scope valid pairs whose row is not Ready at the
// package version, now. Bad rows never count. It returns -1 when the site
// cannot be read (a disk site whose files are broken).
func (s *Site) NotReady() int {
	var n int
	err := s.do(context.Background(), func(time.Time) error {
		var err error
		n, err = s.w.Store.NotReady()
		return err
	})
	if err != nil {
		return -1
	}
	return n
}

// Timeline returns the not-Ready count over time: a first sample when the
// site was created (or opened, on disk), then one whenever the count
// changed, at the time of the action or event that changed it.
func (s *Site) Timeline() []Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.doLocked(context.Background(), func(time.Time) error { return nil })
	return slices.Clone(s.timeline)
}

// Applied counts the successful Apply calls by kind, every kind present.
func (s *Site) Applied() map[actions.Kind]int {
	out := make(map[actions.Kind]int, len(actions.Kinds))
	_ = s.do(context.Background(), func(time.Time) error {
		for _, k := range actions.Kinds {
			out[k] = s.w.Meta.Applied[k]
		}
		return nil
	})
	return out
}

// UnsafePathsTouched counts the file operations refused because their path
// was outside the allowed set (DESIGN §6).
func (s *Site) UnsafePathsTouched() int {
	n := 0
	_ = s.do(context.Background(), func(time.Time) error {
		n = s.w.Meta.Unsafe
		return nil
	})
	return n
}

// Hosts lists the package servers in name order. (observed.CMDB's
// Servers(ctx) takes the name Servers.)
func (s *Site) Hosts() []vocab.Host {
	out := make([]vocab.Host, len(s.w.Cat.Servers))
	for i, sv := range s.w.Cat.Servers {
		out[i] = sv.Name
	}
	return out
}

// Packages lists the package GUIDs in GUID order.
func (s *Site) Packages() []vocab.GUID {
	out := make([]vocab.GUID, len(s.w.Cat.Packages))
	for i, p := range s.w.Cat.Packages {
		out[i] = p.ID
	}
	return out
}

// PackageVersion returns the NS version of a package.
func (s *Site) PackageVersion(g vocab.GUID) (string, bool) {
	p, ok := s.w.Cat.Package(g)
	if !ok {
		return "", false
	}
	return s.w.Cat.Packages[p].Version, true
}

// TruthServer is the hidden state of a package server, which no
// observation shows: for tests.
type TruthServer struct {
	Server    vocab.Host
	Stuck     bool
	Reachable bool
}

// Truth returns a server's hidden state now.
func (s *Site) Truth(server vocab.Host) (TruthServer, bool) {
	srv, ok := s.w.Cat.Server(server)
	if !ok {
		return TruthServer{}, false
	}
	var t TruthServer
	err := s.do(context.Background(), func(now time.Time) error {
		t = TruthServer{Server: s.w.Cat.Servers[srv].Name, Stuck: s.w.Meta.Stuck[srv], Reachable: s.w.Reachable(srv, now)}
		return nil
	})
	return t, err == nil
}

// ResolvedFault is a scenario fault as the site resolved it: the servers
// and packages it hits, its window as offsets from the epoch.
type ResolvedFault struct {
	Kind      string
	Servers   []vocab.Host
	Packages  []vocab.GUID
	From, End time.Duration
	PackageID string
}

// Faults returns the site's resolved faults, in scenario order.
func (s *Site) Faults() []ResolvedFault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ResolvedFault, 0, len(s.w.Meta.Faults))
	for _, f := range s.w.Meta.Faults {
		r := ResolvedFault{Kind: f.Kind, From: f.From, End: f.End, PackageID: f.PackageID}
		for _, i := range f.Servers {
			r.Servers = append(r.Servers, s.w.Cat.Servers[i].Name)
		}
		for _, p := range f.Packages {
			r.Packages = append(r.Packages, s.w.Cat.Packages[p].ID)
		}
		out = append(out, r)
	}
	return out
}

// Epoch is the site's creation time: every fault's offsets count from it.
func (s *Site) Epoch() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Meta.Epoch
}
