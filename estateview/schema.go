package estateview

import (
	"strings"

	memdb "github.com/hashicorp/go-memdb"
)

// Tables of the view.
const (
	tableServer  = "server"
	tableHistory = "history"
	tablePass    = "pass"
	tableEstate  = "estate"
	estateID     = "estate"
)

// schema: servers by key and by the version of their last change (the
// event stream sends the servers changed since a version), histories by
// server key, passes by id and by order, the estate row.
func schema() *memdb.DBSchema {
	id := func(field string) *memdb.IndexSchema {
		return &memdb.IndexSchema{Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: field}}
	}
	return &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		tableServer: {Name: tableServer, Indexes: map[string]*memdb.IndexSchema{
			"id":      id("Key"),
			"version": {Name: "version", Indexer: &memdb.UintFieldIndex{Field: "Version"}},
		}},
		tableHistory: {Name: tableHistory, Indexes: map[string]*memdb.IndexSchema{"id": id("Key")}},
		tablePass: {Name: tablePass, Indexes: map[string]*memdb.IndexSchema{
			"id":  id("ID"),
			"seq": {Name: "seq", Unique: true, Indexer: &memdb.UintFieldIndex{Field: "Seq"}},
		}},
		tableEstate: {Name: tableEstate, Indexes: map[string]*memdb.IndexSchema{"id": id("ID")}},
	}}
}

// Key is the view's key of a server name: Windows host names compare
// without case.
func Key(name string) string { return strings.ToLower(name) }

// Snapshot is a consistent, read-only moment of the view. It is cheap (a
// memdb read transaction) and never blocks the writer.
type Snapshot struct{ txn *memdb.Txn }

// Estate returns the estate row.
func (s Snapshot) Estate() Estate {
	raw, err := s.txn.First(tableEstate, "id", estateID)
	if err != nil || raw == nil {
		return Estate{ID: estateID}
	}
	return *raw.(*Estate)
}

// Servers returns every server, by key.
func (s Snapshot) Servers() []*Server {
	it, err := s.txn.Get(tableServer, "id")
	if err != nil {
		return nil
	}
	var out []*Server
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*Server))
	}
	return out
}

// ChangedSince returns the servers whose row changed after version v, by
// version. The rows are shared: do not modify them.
func (s Snapshot) ChangedSince(v uint64) []*Server {
	it, err := s.txn.LowerBound(tableServer, "version", v+1)
	if err != nil {
		return nil
	}
	var out []*Server
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*Server))
	}
	return out
}

// Server returns one server by name (any case).
func (s Snapshot) Server(name string) (*Server, bool) {
	raw, err := s.txn.First(tableServer, "id", Key(name))
	if err != nil || raw == nil {
		return nil, false
	}
	return raw.(*Server), true
}

// History returns a server's history (empty when none).
func (s Snapshot) History(name string) History {
	raw, err := s.txn.First(tableHistory, "id", Key(name))
	if err != nil || raw == nil {
		return History{Key: Key(name)}
	}
	return *raw.(*History)
}

// Passes returns up to n passes, newest first (n <= 0: all kept).
func (s Snapshot) Passes(n int) []*Pass {
	it, err := s.txn.GetReverse(tablePass, "seq")
	if err != nil {
		return nil
	}
	var out []*Pass
	for raw := it.Next(); raw != nil && (n <= 0 || len(out) < n); raw = it.Next() {
		out = append(out, raw.(*Pass))
	}
	return out
}

// WatchEstate adds to ws the channel that closes at the next commit of the
// view, and returns the estate as of this snapshot.
func (s Snapshot) WatchEstate(ws memdb.WatchSet) Estate {
	ch, raw, err := s.txn.FirstWatch(tableEstate, "id", estateID)
	ws.Add(ch)
	if err != nil || raw == nil {
		return Estate{ID: estateID}
	}
	return *raw.(*Estate)
}

// WatchServer adds to ws the channel that closes when the named server's
// row next changes (or is created), and returns the row as of this
// snapshot.
func (s Snapshot) WatchServer(ws memdb.WatchSet, name string) (*Server, bool) {
	ch, raw, err := s.txn.FirstWatch(tableServer, "id", Key(name))
	ws.Add(ch)
	if err != nil || raw == nil {
		return nil, false
	}
	return raw.(*Server), true
}
