package cmdb

import (
	"fmt"
	"slices"
	"strings"
)

// The tables and columns the queries read.
const (
	tPackageServer = "SWDPackageServer"
	tPackage       = "SWDPackage"
	tItem          = "vItem"
)

// wantColumn is one column the queries rely on and the type classes they
// can read it as.
type wantColumn struct {
	table, column string
	classes       []TypeClass
}

var wantColumns = []wantColumn{
	{tPackageServer, "PkgSvrId", []TypeClass{GUID, Text}},
	{tPackageServer, "PackageId", []TypeClass{GUID, Text}},
	{tPackageServer, "Status", []TypeClass{Text}},
	{tPackageServer, "Version", []TypeClass{Text, Integer, DateTime}},
	{tPackage, "PackageId", []TypeClass{GUID, Text}},
	{tPackage, "Name", []TypeClass{Text}},
	{tPackage, "Package Version", []TypeClass{Text, Integer, DateTime}},
	{tPackage, "_Latest", []TypeClass{Bit, Integer}},
	{tItem, "Guid", []TypeClass{GUID, Text}},
	{tItem, "Name", []TypeClass{Text}},
}

// sameClass lists the column pairs the queries compare with each other:
// their classes must agree, or SQL Server would convert one side
// implicitly (and fail on the first value that does not convert).
var sameClass = [][2][2]string{
	{{tPackageServer, "PackageId"}, {tPackage, "PackageId"}},
	{{tPackageServer, "PkgSvrId"}, {tItem, "Guid"}},
	{{tPackageServer, "Version"}, {tPackage, "Package Version"}},
}

// SchemaError names what in a CMDB's schema the reader does not
// understand. Nothing is read, so nothing is planned, until it is fixed:
// it is terminal (a retry cannot help).
type SchemaError struct {
	Table, Column string // Column is empty when the table itself is missing
	Problem       string
}

func (e *SchemaError) Error() string {
	what := "table " + e.Table
	if e.Column != "" {
		what = "column " + e.Table + "." + e.Column
	}
	return fmt.Sprintf("CMDB schema not understood: %s %s; nothing is read or planned until this is resolved (see docs/itms.md, The CMDB read)", what, e.Problem)
}

// Terminal marks the error terminal for package failure.
func (e *SchemaError) Terminal() bool { return true }

// ColumnType is a checked column's type.
type ColumnType struct {
	Type     string // as the catalog names it
	Class    TypeClass
	Nullable bool
}

// Schema is a checked CMDB schema: the version columns' types, which
// decide how the queries convert them to text, and the indexes found.
type Schema struct {
	Dialect        Dialect
	Version        ColumnType // SWDPackageServer.Version
	PackageVersion ColumnType // SWDPackage.[Package Version]
	Indexes        IndexFacts
}

// IndexFacts records the indexes that make the read of the rows in
// question cheap, for the choice of the production query: each is nil
// when the CMDB has no such index. All lists every index found.
type IndexFacts struct {
	All []Index
	// StatusRange leads with (Status, PackageId) on SWDPackageServer and
	// holds Version: the rows in question are read without the Ready ones.
	StatusRange *Index
	// PackageRange leads with PackageId on SWDPackageServer and holds
	// Status and Version: an alternative to StatusRange.
	PackageRange *Index
	// PairKey leads with (PkgSvrId, PackageId) on SWDPackageServer.
	PairKey *Index
	// PackageKey leads with PackageId on SWDPackage.
	PackageKey *Index
}

// Notes says which helpful indexes are missing, for the start-up log.
func (s Schema) Notes() []string {
	var out []string
	if s.Indexes.StatusRange == nil && s.Indexes.PackageRange == nil {
		out = append(out, "CMDB has no index on SWDPackageServer (Status, PackageId) holding Version, nor on (PackageId) "+
			"holding Status and Version: each pass may scan every row of SWDPackageServer (ask the DBA; see docs/itms.md)")
	}
	if s.Indexes.PackageKey == nil {
		out = append(out, "CMDB has no index on SWDPackage leading with PackageId: the join to the package versions may scan SWDPackage")
	}
	return out
}

// CheckSchema checks a catalog against the tables, columns and types the
// queries assume and returns the schema they will be built for, or a
// *SchemaError naming the first table or column it does not understand.
func CheckSchema(d Dialect, c Catalog) (Schema, error) {
	cols := map[[2]string]CatalogColumn{}
	tables := map[string]bool{}
	for _, col := range c.Columns {
		key := [2]string{strings.ToLower(col.Table), strings.ToLower(col.Name)}
		cols[key] = col
		tables[key[0]] = true
	}
	types := map[[2]string]ColumnType{}
	for _, w := range wantColumns {
		if !tables[strings.ToLower(w.table)] {
			return Schema{}, &SchemaError{Table: w.table, Problem: "not found (or the login may not read it)"}
		}
		col, ok := cols[[2]string{strings.ToLower(w.table), strings.ToLower(w.column)}]
		if !ok {
			return Schema{}, &SchemaError{Table: w.table, Column: w.column, Problem: "not found"}
		}
		class := classify(d, col.Type)
		if !slices.Contains(w.classes, class) {
			return Schema{}, &SchemaError{Table: w.table, Column: w.column,
				Problem: fmt.Sprintf("has type %s on %s; the queries read it only as %s", col.Type, d, classNames(w.classes))}
		}
		types[[2]string{w.table, w.column}] = ColumnType{Type: col.Type, Class: class, Nullable: col.Nullable}
	}
	for _, p := range sameClass {
		a, b := types[p[0]], types[p[1]]
		if a.Class != b.Class {
			return Schema{}, &SchemaError{Table: p[0][0], Column: p[0][1],
				Problem: fmt.Sprintf("has type %s but %s.%s, which the queries compare it with, has type %s", a.Type, p[1][0], p[1][1], b.Type)}
		}
	}
	return Schema{
		Dialect:        d,
		Version:        types[[2]string{tPackageServer, "Version"}],
		PackageVersion: types[[2]string{tPackage, "Package Version"}],
		Indexes:        indexFacts(c.Indexes),
	}, nil
}

func classNames(cs []TypeClass) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.String()
	}
	return strings.Join(names, " or ")
}

// indexFacts finds the helpful indexes among ix (filtered ones never
// count: they may leave rows out).
func indexFacts(ix []Index) IndexFacts {
	f := IndexFacts{All: ix}
	pick := func(dst **Index, table string, ok func(Index) bool) {
		for i := range ix {
			if *dst == nil && !ix[i].Filtered && strings.EqualFold(ix[i].Table, table) && ok(ix[i]) {
				*dst = &ix[i]
			}
		}
	}
	pick(&f.StatusRange, tPackageServer, func(x Index) bool { return x.Leads("Status", "PackageId") && x.Covers("Version") })
	pick(&f.PackageRange, tPackageServer, func(x Index) bool {
		return x.Leads("PackageId") && x.Covers("Status") && x.Covers("Version")
	})
	pick(&f.PairKey, tPackageServer, func(x Index) bool { return x.Leads("PkgSvrId", "PackageId") })
	pick(&f.PackageKey, tPackage, func(x Index) bool { return x.Leads("PackageId") })
	return f
}
