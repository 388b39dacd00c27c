package cmdb

import (
	"fmt"
	"strings"
)

// Dialect is the SQL dialect of a CMDB. The zero value is SQLite, the
// simulated site's, so that a Reader built without one keeps working there.
type Dialect int

// The dialects.
const (
	SQLite    Dialect = iota // modernc.org/sqlite: the simulated site
	SQLServer                // Microsoft SQL Server through go-mssqldb: a real Symantec_CMDB
)

func (d Dialect) String() string {
	if d == SQLServer {
		return "SQL Server"
	}
	return "SQLite"
}

// Catalog is what a CMDB's own catalog says about the tables the queries
// read: sys.columns and sys.indexes on SQL Server, pragma table_info and
// index_list on SQLite. It is raw: CheckSchema judges it.
type Catalog struct {
	Columns []CatalogColumn
	Indexes []Index
}

// CatalogColumn is one column of one of the queried tables or views.
type CatalogColumn struct {
	Table    string
	Name     string
	Type     string // the base type as the database names it: "nvarchar", "uniqueidentifier", "TEXT"
	Nullable bool
}

// Index is one index of a queried table: its key columns in order and the
// columns it carries beside them (SQL Server's INCLUDE). A clustered index
// (SQL Server's, or the primary key of a SQLite WITHOUT ROWID table) holds
// every column of its table.
type Index struct {
	Table     string
	Name      string
	Clustered bool
	Unique    bool
	Primary   bool
	Filtered  bool // a filtered index (WHERE ...) serves only some rows
	Keys      []string
	Included  []string
}

// Covers reports whether the index holds column (as a key, an included
// column, or because it is clustered).
func (ix Index) Covers(column string) bool {
	if ix.Clustered {
		return true
	}
	for _, c := range append(append([]string(nil), ix.Keys...), ix.Included...) {
		if strings.EqualFold(c, column) {
			return true
		}
	}
	return false
}

// Leads reports whether the index's keys begin with cols, in that order.
func (ix Index) Leads(cols ...string) bool {
	if len(ix.Keys) < len(cols) {
		return false
	}
	for i, c := range cols {
		if !strings.EqualFold(ix.Keys[i], c) {
			return false
		}
	}
	return true
}

func (ix Index) String() string {
	s := fmt.Sprintf("%s on %s (%s)", ix.Name, ix.Table, strings.Join(ix.Keys, ", "))
	if len(ix.Included) > 0 {
		s += " INCLUDE (" + strings.Join(ix.Included, ", ") + ")"
	}
	return s
}

// TypeClass is how the queries treat a column's type.
type TypeClass int

// The classes the queries understand; Unsupported is any other type.
const (
	Unsupported TypeClass = iota
	Text                  // nvarchar, varchar, nchar, char; SQLite TEXT affinity
	Integer               // int, bigint, smallint, tinyint; SQLite INTEGER affinity
	DateTime              // datetime, datetime2, smalldatetime (SQL Server only)
	GUID                  // uniqueidentifier
	Bit                   // bit
)

func (c TypeClass) String() string {
	return [...]string{"unsupported", "text", "integer", "datetime", "uniqueidentifier", "bit"}[c]
}

// classify maps a catalog type name to its class in dialect d.
func classify(d Dialect, typ string) TypeClass {
	t := strings.ToLower(strings.TrimSpace(typ))
	if d == SQLServer {
		switch t {
		case "nvarchar", "varchar", "nchar", "char":
			return Text
		case "int", "bigint", "smallint", "tinyint":
			return Integer
		case "datetime", "datetime2", "smalldatetime":
			return DateTime
		case "uniqueidentifier":
			return GUID
		case "bit":
			return Bit
		}
		return Unsupported
	}
	// SQLite's affinity rules (https://sqlite.org/datatype3.html, 3.1),
	// in their order: INT first, then text.
	switch {
	case strings.Contains(t, "int"):
		return Integer
	case strings.Contains(t, "char"), strings.Contains(t, "clob"), strings.Contains(t, "text"):
		return Text
	}
	return Unsupported
}
