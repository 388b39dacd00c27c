package observed

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// Observation is what one pass observed. The pairs, agents, package files,
// NS snapshots and servers live in indexed tables (schema.go); the read
// methods (query.go) return copies, sorted by server name
// (case-insensitively) and then by package GUID.
//
// An Observation is filled by one goroutine (Observer.ReadSite, then
// Observer.ObserveAgents, or the builder methods below) and then shared
// read-only. The table writes are safe at any time (a lock serialises them
// and readers see each write whole); the plain fields are not guarded and
// must not change once the Observation is shared.
//
// Tests build one by hand: NewObservation, then AddPair, SetAgent,
// SetFiles, SetSnapshot and SetServers. Each call validates its values
// before it writes any: all or nothing.
type Observation struct {
	// At is when the pass started observing.
	At time.Time
	// NS is the NS credential setting and policy version; meaningless when
	// NSErr is set.
	NS NSState
	// NSErr is why the NS setting could not be read.
	NSErr error
	// NSUnmanaged is set when the site does not manage the credential
	// setting (see ErrNotManaged): NS is then zero and NSErr nil.
	NSUnmanaged bool
	// CMDBErr is why the CMDB could not be read, or why the read was cut
	// short. When it is set the Observation holds no pairs and no servers,
	// and the pass must plan nothing.
	CMDBErr error
	// SnapshotsErr is why the NS snapshots could not be read; the packages
	// asked for then have no Snapshot.
	SnapshotsErr error
	// Rejects are rows and answers kept out of the tables because a value in
	// them is not well-formed, sorted by server, package and reason.
	Rejects []Reject
	// Conflicts are facts the CMDB states two ways (two latest versions
	// of a package, two ids under one server name...), sorted. The pairs
	// and listed servers they name are left out of the tables: nothing is
	// planned for them.
	Conflicts []Conflict
	// ServersListed is set when the server list was read (SetServers).
	ServersListed bool

	mu sync.RWMutex
	t  *tables
}

// errNoDB is returned by writes to an Observation not made by NewObservation.
var errNoDB = errors.New("observation not created with NewObservation")

// NewObservation returns an empty Observation taken at at.
func NewObservation(at time.Time) *Observation {
	return &Observation{At: at, t: newTables()}
}

// AddPair inserts pairs in question. Each needs a valid Server, a canonical
// Package and a non-empty Status; ServerID may be empty, else canonical. A
// pair with the server (case-insensitively) and package of an earlier one
// replaces it.
func (o *Observation) AddPair(ps ...Pair) error {
	for _, p := range ps {
		if err := checkPair(p); err != nil {
			return err
		}
	}
	return o.write(func(t *tables) { insertPairs(t, ps) })
}

// SetAgent records agent observations, one per server. The package files
// in a.Facts.Packages go to the files table (as with SetFiles, their Server
// filled in when empty) and are cleared from the stored Agent: read them
// with Files and FilesOf.
func (o *Observation) SetAgent(as ...Agent) error {
	for _, a := range as {
		if err := checkHost(a.Server); err != nil {
			return fmt.Errorf("agent: %w", err)
		}
		if err := validFiles(a.Server, a.Facts.Packages); err != nil {
			return err
		}
	}
	return o.storeAgents(as)
}

// storeAgents is SetAgent without the checks, for agents checked already
// (ObserveAgents checks every answer as it comes).
func (o *Observation) storeAgents(as []Agent) error {
	return o.write(func(t *tables) {
		n := 0
		for _, a := range as {
			n += len(a.Facts.Packages)
		}
		t.files.reserve(n)
		for _, a := range as {
			files := a.Facts.Packages
			a.Facts.Packages = nil
			t.agents.put(hostKey(a.Server), cloneAgent(a))
			insertFiles(t, a.Server, files)
		}
	})
}

// SetFiles records what package servers hold for packages. Each needs a
// valid Server and a canonical Package.
func (o *Observation) SetFiles(fs ...PackageFiles) error {
	if err := validFiles("", fs); err != nil {
		return err
	}
	return o.write(func(t *tables) { insertFiles(t, "", fs) })
}

// SetSnapshot records NS snapshots, one per package.
func (o *Observation) SetSnapshot(ss ...Snapshot) error {
	for _, s := range ss {
		if !validGUID(s.Package) {
			return fmt.Errorf("snapshot: not a canonical GUID: %q", vocab.Clip(string(s.Package)))
		}
	}
	return o.write(func(t *tables) {
		for _, s := range ss {
			t.snapshots.put(s.Package, s)
		}
	})
}

// SetServers records package servers from the CMDB's server list and marks
// the Observation as having listed them. A server with the name of an
// earlier one (case-insensitively) replaces it.
func (o *Observation) SetServers(ss ...Server) error {
	if err := checkServers(ss); err != nil {
		return err
	}
	err := o.write(func(t *tables) { insertServers(t, ss) })
	if err == nil {
		o.ServersListed = true
	}
	return err
}

// AddRejects appends rejects and keeps Rejects sorted.
func (o *Observation) AddRejects(rs ...Reject) {
	o.Rejects = append(o.Rejects, rs...)
	slices.SortStableFunc(o.Rejects, compareReject)
}

func compareReject(a, b Reject) int {
	return cmp.Or(
		cmp.Compare(a.Server, b.Server),
		cmp.Compare(a.ServerID, b.ServerID),
		cmp.Compare(a.PackageID, b.PackageID),
		cmp.Compare(a.Reason, b.Reason),
	)
}

// write runs fn, which must not fail (its values are checked), under the
// write lock, then orders the tables again.
func (o *Observation) write(fn func(*tables)) error {
	if o == nil || o.t == nil {
		return errNoDB
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	fn(o.t)
	o.t.pairs.sort()
	o.t.files.sort()
	o.t.agents.sort()
	o.t.snapshots.sort()
	o.t.servers.sort()
	return nil
}

// read runs fn under the read lock; false for a zero Observation.
func (o *Observation) read(fn func(*tables)) bool {
	if o == nil || o.t == nil {
		return false
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	fn(o.t)
	return true
}

// dropServers takes out the pairs of the servers named (hostKey), and
// returns how many each had.
func (o *Observation) dropServers(names map[string]bool) map[string]int {
	held := map[string]int{}
	if len(names) == 0 {
		return held
	}
	_ = o.write(func(t *tables) {
		t.pairs.filter(func(k pairKey) bool {
			if names[k.server] {
				held[k.server]++
				return false
			}
			return true
		})
	})
	return held
}

func insertPairs(t *tables, ps []Pair) {
	t.pairs.reserve(len(ps))
	var hk hostKeys
	for _, p := range ps {
		t.pairs.put(pairKey{server: hk.of(p.Server), pkg: p.Package}, p)
	}
}

func checkServers(ss []Server) error {
	for _, s := range ss {
		if err := checkHost(s.Name); err != nil {
			return fmt.Errorf("server: %w", err)
		}
		if s.ID != "" && !validGUID(s.ID) {
			return fmt.Errorf("server %s: not a canonical GUID: %q", s.Name, vocab.Clip(string(s.ID)))
		}
	}
	return nil
}

func insertServers(t *tables, ss []Server) {
	for _, s := range ss {
		c := s
		c.Counts = maps.Clone(s.Counts)
		t.servers.put(hostKey(s.Name), c)
	}
}

// validFiles checks files as insertFiles will store them.
func validFiles(server vocab.Host, fs []PackageFiles) error {
	var checked vocab.Host // the last host found well-formed
	for _, f := range fs {
		if f.Server == "" {
			f.Server = server
		}
		if f.Server != checked || checked == "" {
			if err := checkHost(f.Server); err != nil {
				return fmt.Errorf("files: %w", err)
			}
			checked = f.Server
		}
		if !validGUID(f.Package) {
			return fmt.Errorf("files on %s: not a canonical GUID: %q", f.Server, vocab.Clip(string(f.Package)))
		}
	}
	return nil
}

func insertFiles(t *tables, server vocab.Host, fs []PackageFiles) {
	var hk hostKeys
	for _, f := range fs {
		if f.Server == "" {
			f.Server = server
		}
		t.files.put(pairKey{server: hk.of(f.Server), pkg: f.Package}, f)
	}
}

func checkPair(p Pair) error {
	if err := checkHost(p.Server); err != nil {
		return fmt.Errorf("pair: %w", err)
	}
	if p.ServerID != "" && !validGUID(p.ServerID) {
		return fmt.Errorf("pair on %s: server id not a canonical GUID: %q", p.Server, vocab.Clip(string(p.ServerID)))
	}
	if !validGUID(p.Package) {
		return fmt.Errorf("pair on %s: not a canonical GUID: %q", p.Server, vocab.Clip(string(p.Package)))
	}
	if p.Status == "" {
		return fmt.Errorf("pair %s/%s: empty status", p.Server, p.Package)
	}
	return nil
}

func checkHost(h vocab.Host) error {
	_, err := vocab.ParseHost(string(h))
	return err
}

// cloneAgent copies an Agent deeply, so that neither the caller nor a
// reader can change a stored object.
func cloneAgent(a Agent) Agent {
	c := a
	c.Facts.FullControl = slices.Clone(a.Facts.FullControl)
	c.Facts.LogSignatures = slices.Clone(a.Facts.LogSignatures)
	c.Facts.Packages = slices.Clone(a.Facts.Packages)
	return c
}
