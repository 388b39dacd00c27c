package observed

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/itms-tools/reconciler/vocab"
)

// Observation is what one pass observed. The pairs, agents, package files,
// NS snapshots and servers live in go-memdb tables; the read methods
// (pairs.go) return copies, sorted by server name (case-insensitively) and
// then by package GUID.
//
// An Observation is filled by one goroutine (Observer.ReadSite, then
// Observer.ObserveAgents, or the builder methods below) and then shared
// read-only. The table writes are safe at any time (go-memdb serialises
// writers and readers see snapshots); the plain fields are not guarded and
// must not change once the Observation is shared.
//
// Tests build one by hand: NewObservation, then AddPair, SetAgent,
// SetFiles, SetSnapshot and SetServers. Each call validates its values and
// writes them in one memdb write transaction: all or nothing.
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
	// ServersListed is set when the server list was read (SetServers).
	ServersListed bool

	db *memdb.MemDB
}

// errNoDB is returned by writes to an Observation not made by NewObservation.
var errNoDB = errors.New("observation not created with NewObservation")

// NewObservation returns an empty Observation taken at at.
func NewObservation(at time.Time) *Observation {
	return &Observation{At: at, db: newDB()}
}

// AddPair inserts pairs in question. Each needs a valid Server, a canonical
// Package and a non-empty Status; ServerID may be empty, else canonical. A
// pair with the server (case-insensitively) and package of an earlier one
// replaces it.
func (o *Observation) AddPair(ps ...Pair) error {
	return o.write(func(txn *memdb.Txn) error { return insertPairs(txn, ps) })
}

// SetAgent records agent observations, one per server. The package files
// in a.Facts.Packages go to the files table (as with SetFiles, their Server
// filled in when empty) and are cleared from the stored Agent: read them
// with Files and FilesOf.
func (o *Observation) SetAgent(as ...Agent) error {
	return o.write(func(txn *memdb.Txn) error {
		for _, a := range as {
			if err := checkHost(a.Server); err != nil {
				return fmt.Errorf("agent: %w", err)
			}
			files := a.Facts.Packages
			c := cloneAgent(a)
			c.Facts.Packages = nil
			if err := txn.Insert(tableAgents, &c); err != nil {
				return fmt.Errorf("insert agent %s: %w", a.Server, err)
			}
			if err := insertFiles(txn, a.Server, files); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetFiles records what package servers hold for packages. Each needs a
// valid Server and a canonical Package.
func (o *Observation) SetFiles(fs ...PackageFiles) error {
	return o.write(func(txn *memdb.Txn) error { return insertFiles(txn, "", fs) })
}

// SetSnapshot records NS snapshots, one per package.
func (o *Observation) SetSnapshot(ss ...Snapshot) error {
	return o.write(func(txn *memdb.Txn) error {
		for _, s := range ss {
			if !s.Package.Valid() {
				return fmt.Errorf("snapshot: not a canonical GUID: %q", vocab.Clip(string(s.Package)))
			}
			if err := txn.Insert(tableSnapshots, &s); err != nil {
				return fmt.Errorf("insert snapshot %s: %w", s.Package, err)
			}
		}
		return nil
	})
}

// SetServers records package servers from the CMDB's server list and marks
// the Observation as having listed them. A server with the name of an
// earlier one (case-insensitively) replaces it.
func (o *Observation) SetServers(ss ...Server) error {
	err := o.write(func(txn *memdb.Txn) error { return insertServers(txn, ss) })
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

// write runs fn in one write transaction, committed only if fn succeeds.
func (o *Observation) write(fn func(*memdb.Txn) error) error {
	if o == nil || o.db == nil {
		return errNoDB
	}
	txn := o.db.Txn(true)
	defer txn.Abort() // no-op after Commit
	if err := fn(txn); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func insertPairs(txn *memdb.Txn, ps []Pair) error {
	for _, p := range ps {
		if err := checkPair(p); err != nil {
			return err
		}
		if err := txn.Insert(tablePairs, &p); err != nil {
			return fmt.Errorf("insert pair %s/%s: %w", p.Server, p.Package, err)
		}
	}
	return nil
}

func insertServers(txn *memdb.Txn, ss []Server) error {
	for _, s := range ss {
		if err := checkHost(s.Name); err != nil {
			return fmt.Errorf("server: %w", err)
		}
		if s.ID != "" && !s.ID.Valid() {
			return fmt.Errorf("server %s: not a canonical GUID: %q", s.Name, vocab.Clip(string(s.ID)))
		}
		c := s
		c.Counts = maps.Clone(s.Counts)
		if err := txn.Insert(tableServers, &c); err != nil {
			return fmt.Errorf("insert server %s: %w", s.Name, err)
		}
	}
	return nil
}

func insertFiles(txn *memdb.Txn, server vocab.Host, fs []PackageFiles) error {
	for _, f := range fs {
		if f.Server == "" {
			f.Server = server
		}
		if err := checkHost(f.Server); err != nil {
			return fmt.Errorf("files: %w", err)
		}
		if !f.Package.Valid() {
			return fmt.Errorf("files on %s: not a canonical GUID: %q", f.Server, vocab.Clip(string(f.Package)))
		}
		if err := txn.Insert(tableFiles, &f); err != nil {
			return fmt.Errorf("insert files %s/%s: %w", f.Server, f.Package, err)
		}
	}
	return nil
}

func checkPair(p Pair) error {
	if err := checkHost(p.Server); err != nil {
		return fmt.Errorf("pair: %w", err)
	}
	if p.ServerID != "" && !p.ServerID.Valid() {
		return fmt.Errorf("pair on %s: server id not a canonical GUID: %q", p.Server, vocab.Clip(string(p.ServerID)))
	}
	if !p.Package.Valid() {
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
