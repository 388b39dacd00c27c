package observed

import (
	"fmt"
	"strings"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/itms-tools/reconciler/vocab"
)

// Table and index names of an Observation's go-memdb database.
const (
	tablePairs     = "pairs"
	tableAgents    = "agents"
	tableFiles     = "files"
	tableSnapshots = "snapshots"
	tableServers   = "servers"

	indexID      = "id"
	indexServer  = "server"
	indexPackage = "package"
	indexStatus  = "status"
)

// Server names are indexed lower-cased: Windows host names are
// case-insensitive, so "PS001" and "ps001" are one server.
func serverField() *memdb.StringFieldIndex {
	return &memdb.StringFieldIndex{Field: "Server", Lowercase: true}
}

func packageField() *memdb.StringFieldIndex {
	return &memdb.StringFieldIndex{Field: "Package"}
}

// serverPackageID indexes a row by (server, package).
func serverPackageID() *memdb.IndexSchema {
	return &memdb.IndexSchema{
		Name:    indexID,
		Unique:  true,
		Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{serverField(), packageField()}},
	}
}

func byServer() *memdb.IndexSchema {
	return &memdb.IndexSchema{Name: indexServer, Indexer: serverField()}
}

func byPackage() *memdb.IndexSchema {
	return &memdb.IndexSchema{Name: indexPackage, Indexer: packageField()}
}

func schema() *memdb.DBSchema {
	return &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		tablePairs: {Name: tablePairs, Indexes: map[string]*memdb.IndexSchema{
			indexID:      serverPackageID(),
			indexServer:  byServer(),
			indexPackage: byPackage(),
			indexStatus:  {Name: indexStatus, Indexer: &memdb.StringFieldIndex{Field: "Status"}},
		}},
		tableAgents: {Name: tableAgents, Indexes: map[string]*memdb.IndexSchema{
			indexID: {Name: indexID, Unique: true, Indexer: serverField()},
		}},
		tableFiles: {Name: tableFiles, Indexes: map[string]*memdb.IndexSchema{
			indexID:      serverPackageID(),
			indexServer:  byServer(),
			indexPackage: byPackage(),
		}},
		tableSnapshots: {Name: tableSnapshots, Indexes: map[string]*memdb.IndexSchema{
			indexID: {Name: indexID, Unique: true, Indexer: packageField()},
		}},
		tableServers: {Name: tableServers, Indexes: map[string]*memdb.IndexSchema{
			indexID: {Name: indexID, Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Name", Lowercase: true}},
		}},
	}}
}

// newDB creates an empty database. The schema is fixed, so an error is a
// bug in this package.
func newDB() *memdb.MemDB {
	db, err := memdb.NewMemDB(schema())
	if err != nil {
		panic(fmt.Sprintf("observed: invalid memdb schema: %v", err))
	}
	return db
}

// hostKey is the case-insensitive identity of a host name.
func hostKey(h vocab.Host) string { return strings.ToLower(string(h)) }

// compareHost orders host names case-insensitively, ties broken by
// spelling: the order the server indexes iterate in.
func compareHost(a, b vocab.Host) int {
	if c := strings.Compare(hostKey(a), hostKey(b)); c != 0 {
		return c
	}
	return strings.Compare(string(a), string(b))
}
