package cmdb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/observed"
)

// sqlServerCatalog is a catalog shaped as a Symantec_CMDB's could be:
// uniqueidentifier keys, nvarchar text, the given version type.
func sqlServerCatalog(version string) Catalog {
	col := func(table, name, typ string) CatalogColumn {
		return CatalogColumn{Table: table, Name: name, Type: typ, Nullable: true}
	}
	return Catalog{
		Columns: []CatalogColumn{
			col("SWDPackageServer", "PkgSvrId", "uniqueidentifier"),
			col("SWDPackageServer", "PackageId", "uniqueidentifier"),
			col("SWDPackageServer", "Status", "nvarchar"),
			col("SWDPackageServer", "Version", version),
			col("SWDPackageServer", "Error", "ntext"),
			col("SWDPackage", "PackageId", "uniqueidentifier"),
			col("SWDPackage", "Name", "nvarchar"),
			col("SWDPackage", "Package Version", version),
			col("SWDPackage", "_Latest", "bit"),
			col("vItem", "Guid", "uniqueidentifier"),
			col("vItem", "Name", "nvarchar"),
		},
		Indexes: []Index{
			{Table: "SWDPackageServer", Name: "PK_SWDPackageServer", Clustered: true, Primary: true, Unique: true, Keys: []string{"PkgSvrId", "PackageId"}},
			{Table: "SWDPackageServer", Name: "IX_Status", Keys: []string{"Status", "PackageId"}, Included: []string{"Version"}},
			{Table: "SWDPackage", Name: "PK_SWDPackage", Clustered: true, Keys: []string{"PackageId", "Package Version"}},
		},
	}
}

func mutate(c Catalog, f func(*Catalog)) Catalog {
	c.Columns = append([]CatalogColumn(nil), c.Columns...)
	c.Indexes = append([]Index(nil), c.Indexes...)
	f(&c)
	return c
}

func setType(table, column, typ string) func(*Catalog) {
	return func(c *Catalog) {
		for i := range c.Columns {
			if c.Columns[i].Table == table && c.Columns[i].Name == column {
				c.Columns[i].Type = typ
			}
		}
	}
}

func drop(table, column string) func(*Catalog) {
	return func(c *Catalog) {
		var keep []CatalogColumn
		for _, col := range c.Columns {
			if col.Table != table || column != "" && col.Name != column {
				keep = append(keep, col)
			}
		}
		c.Columns = keep
	}
}

func TestCheckSchema(t *testing.T) {
	base := sqlServerCatalog("nvarchar")
	tests := []struct {
		name      string
		dialect   Dialect
		cat       Catalog
		wantClass TypeClass
		wantErr   string // the table/column named and the problem
	}{
		{"nvarchar versions", SQLServer, base, Text, ""},
		{"int versions", SQLServer, sqlServerCatalog("int"), Integer, ""},
		{"bigint versions", SQLServer, sqlServerCatalog("bigint"), Integer, ""},
		{"datetime versions", SQLServer, sqlServerCatalog("datetime"), DateTime, ""},
		{"datetime2 versions", SQLServer, sqlServerCatalog("datetime2"), DateTime, ""},
		{"names in another case", SQLServer, mutate(base, func(c *Catalog) {
			for i := range c.Columns {
				c.Columns[i].Table, c.Columns[i].Name = strings.ToLower(c.Columns[i].Table), strings.ToUpper(c.Columns[i].Name)
			}
		}), Text, ""},
		{"no SWDPackageServer", SQLServer, mutate(base, drop("SWDPackageServer", "")), 0, "table SWDPackageServer not found"},
		{"no vItem", SQLServer, mutate(base, drop("vItem", "")), 0, "table vItem not found"},
		{"no Version", SQLServer, mutate(base, drop("SWDPackageServer", "Version")), 0, "column SWDPackageServer.Version not found"},
		{"no _Latest", SQLServer, mutate(base, drop("SWDPackage", "_Latest")), 0, "column SWDPackage._Latest not found"},
		{"ntext version", SQLServer, sqlServerCatalog("ntext"), 0,
			"column SWDPackageServer.Version has type ntext on SQL Server; the queries read it only as text or integer or datetime"},
		{"datetimeoffset version", SQLServer, sqlServerCatalog("datetimeoffset"), 0, "SWDPackageServer.Version has type datetimeoffset"},
		{"float version", SQLServer, sqlServerCatalog("float"), 0, "SWDPackageServer.Version has type float"},
		{"versions of two types", SQLServer, mutate(base, setType("SWDPackage", "Package Version", "datetime")), 0,
			"column SWDPackageServer.Version has type nvarchar but SWDPackage.Package Version, which the queries compare it with, has type datetime"},
		{"keys of two types", SQLServer, mutate(base, setType("SWDPackage", "PackageId", "nvarchar")), 0,
			"SWDPackageServer.PackageId has type uniqueidentifier but SWDPackage.PackageId"},
		{"status not text", SQLServer, mutate(base, setType("SWDPackageServer", "Status", "int")), 0,
			"SWDPackageServer.Status has type int on SQL Server; the queries read it only as text"},
		{"name as ntext", SQLServer, mutate(base, setType("vItem", "Name", "ntext")), 0, "vItem.Name has type ntext"},
		{"sqlite datetime refused", SQLite, mutate(base, func(c *Catalog) {
			for i := range c.Columns {
				c.Columns[i].Type = "TEXT"
			}
			setType("SWDPackageServer", "Version", "DATETIME")(c)
			setType("SWDPackage", "Package Version", "DATETIME")(c)
			setType("SWDPackage", "_Latest", "INTEGER")(c)
		}), 0, "SWDPackageServer.Version has type DATETIME on SQLite"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := CheckSchema(tc.dialect, tc.cat)
			if tc.wantErr != "" {
				var se *SchemaError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want a SchemaError with %q", err, tc.wantErr)
				}
				if c, _ := failure.Classify(err); c != failure.Terminal {
					t.Errorf("class %v, want terminal", c)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Version.Class != tc.wantClass || s.PackageVersion.Class != tc.wantClass {
				t.Errorf("classes %v, %v; want %v", s.Version.Class, s.PackageVersion.Class, tc.wantClass)
			}
		})
	}
}

func TestIndexFacts(t *testing.T) {
	s, err := CheckSchema(SQLServer, sqlServerCatalog("int"))
	if err != nil {
		t.Fatal(err)
	}
	f := s.Indexes
	if f.StatusRange == nil || f.StatusRange.Name != "IX_Status" || f.PairKey == nil || f.PackageKey == nil {
		t.Fatalf("facts %+v", f)
	}
	if f.PackageRange != nil {
		t.Errorf("PackageRange %v: no index leads with PackageId", f.PackageRange)
	}
	if len(s.Notes()) != 0 {
		t.Errorf("notes %q", s.Notes())
	}
	noStatus := mutate(sqlServerCatalog("int"), func(c *Catalog) {
		c.Indexes[1].Included = nil // Version no longer held: the index does not serve
	})
	s, err = CheckSchema(SQLServer, noStatus)
	if err != nil {
		t.Fatal(err)
	}
	if s.Indexes.StatusRange != nil || len(s.Notes()) != 1 || !strings.Contains(s.Notes()[0], "may scan every row") {
		t.Errorf("facts %+v, notes %q", s.Indexes, s.Notes())
	}
	filtered := mutate(sqlServerCatalog("int"), func(c *Catalog) { c.Indexes[1].Filtered = true })
	if s, _ := CheckSchema(SQLServer, filtered); s.Indexes.StatusRange != nil {
		t.Errorf("a filtered index counted: %v", s.Indexes.StatusRange)
	}
}

// TestInspectSQLite reads the simulated site's catalog through SQLite's
// pragmas: the same check as SQL Server's, behind the same interface.
func TestInspectSQLite(t *testing.T) {
	ctx := context.Background()
	db := openMemory(t, SQLiteSchema)
	s, err := (&Reader{DB: db}).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dialect != SQLite || s.Version.Class != Text || s.PackageVersion.Class != Text || !s.Version.Nullable || s.PackageVersion.Nullable {
		t.Errorf("schema %+v", s)
	}
	f := s.Indexes
	if f.StatusRange == nil || f.StatusRange.Name != "IX_SWDPackageServer_Status" {
		t.Errorf("status index %v", f.StatusRange)
	}
	if f.PairKey == nil || !f.PairKey.Clustered || !f.PairKey.Primary || f.PackageKey == nil || !f.PackageKey.Clustered {
		t.Errorf("keys %v, %v", f.PairKey, f.PackageKey)
	}
	withoutIndex, _, ok := strings.Cut(SQLiteSchema, "CREATE INDEX")
	if !ok {
		t.Fatal("SQLiteSchema has no CREATE INDEX")
	}
	s, err = (&Reader{DB: openMemory(t, withoutIndex)}).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Indexes.StatusRange != nil || len(s.Notes()) == 0 {
		t.Errorf("without the index: %+v %q", s.Indexes, s.Notes())
	}
}

// TestReaderRefusesAnUnknownSchema: a CMDB whose tables lack a column, or
// hold it in a type the queries cannot read, yields no row and a
// SchemaError naming the table and column, on every read.
func TestReaderRefusesAnUnknownSchema(t *testing.T) {
	noIndex, _, _ := strings.Cut(SQLiteSchema, "CREATE INDEX")
	tests := []struct{ name, schema, want string }{
		{"no Version", strings.Replace(noIndex, "[Version]   TEXT DEFAULT '',", "", 1), "column SWDPackageServer.Version not found"},
		{"version as a blob", strings.Replace(SQLiteSchema, "[Version]   TEXT DEFAULT ''", "[Version]   BLOB", 1), "SWDPackageServer.Version has type BLOB"},
		{"no vItem", strings.Replace(SQLiteSchema, "CREATE TABLE IF NOT EXISTS vItem", "CREATE TABLE IF NOT EXISTS vOther", 1), "table vItem not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openMemory(t, tc.schema)
			r := &Reader{DB: db}
			for range 2 { // a failed check is not kept: each read checks again
				err := r.InQuestion(context.Background(), func(observed.RawRow) error { t.Error("row yielded"); return nil })
				var se *SchemaError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("InQuestion = %v, want %q", err, tc.want)
				}
				if _, err := r.Servers(context.Background()); !errors.As(err, &se) {
					t.Fatalf("Servers = %v", err)
				}
			}
		})
	}
}

func openMemory(t *testing.T, schema string) *sql.DB {
	t.Helper()
	db, err := Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		t.Fatal(err)
	}
	return db
}
