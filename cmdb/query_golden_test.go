package cmdb

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// variants are the schemas the query text is built for: the simulated
// site's, and a SQL Server CMDB with each version type the check accepts.
var variants = []struct {
	name    string
	dialect Dialect
	typ     string
	class   TypeClass
}{
	{"sqlite-text", SQLite, "TEXT", Text},
	{"sqlserver-nvarchar", SQLServer, "nvarchar", Text},
	{"sqlserver-int", SQLServer, "int", Integer},
	{"sqlserver-datetime", SQLServer, "datetime", DateTime},
}

// variantSchema is a schema with the status index: the query that ranges
// over it.
func variantSchema(d Dialect, typ string, class TypeClass) Schema {
	ct := ColumnType{Type: typ, Class: class, Nullable: true}
	return Schema{Dialect: d, Version: ct, PackageVersion: ct, Indexes: indexFacts([]Index{statusIndex})}
}

// statusIndex is IX_SWDPackageServer_Status as SQLiteSchema creates it.
var statusIndex = Index{Table: tPackageServer, Name: "IX_SWDPackageServer_Status", Keys: []string{"Status", "PackageId", "Version"}}

// noIndexSchema is a variant's schema without any index: the query that
// scans once.
func noIndexSchema(d Dialect, typ string, class TypeClass) Schema {
	s := variantSchema(d, typ, class)
	s.Indexes = IndexFacts{}
	return s
}

// TestQueryGolden pins the query text of every variant: a change to it is
// reviewed as a change to testdata/query/*.sql (go test -update rewrites
// them).
func TestQueryGolden(t *testing.T) {
	for _, v := range variants {
		q := Build(variantSchema(v.dialect, v.typ, v.class))
		golden(t, filepath.Join("query", v.name+".sql"), []byte(q.InQuestion+"\n"))
		golden(t, filepath.Join("query", "servers.sql"), []byte(q.Servers+"\n"))
		scan := Build(noIndexSchema(v.dialect, v.typ, v.class))
		golden(t, filepath.Join("query", v.name+"-noindex.sql"), []byte(scan.InQuestion+"\n"))
	}
}

// TestQueryConvertsVersionsExplicitly checks a rule of the query text for
// every variant: each COALESCE(x, empty string) holds an x that is already text (a
// text column, or a CAST/CONVERT to NVARCHAR). On SQL Server,
// COALESCE over an int column and the empty string is an int (NULL becomes 0) and
// over a datetime column a datetime (NULL becomes 1900-01-01):
// neither matches the version attribute of an XML file.
func TestQueryConvertsVersionsExplicitly(t *testing.T) {
	for _, v := range variants {
		s := variantSchema(v.dialect, v.typ, v.class)
		for _, query := range []string{Build(s).InQuestion, Build(s).Servers, Build(noIndexSchema(v.dialect, v.typ, v.class)).InQuestion} {
			for _, arg := range coalesceArgs(t, query) {
				if !isText(s, arg) {
					t.Errorf("%s: COALESCE(%s, '') is not over text", v.name, arg)
				}
			}
		}
	}
}

// coalesceArgs returns the first argument of every COALESCE(x, empty string) in q.
func coalesceArgs(t *testing.T, q string) []string {
	t.Helper()
	var out []string
	for rest := q; ; {
		i := strings.Index(rest, "COALESCE(")
		if i < 0 {
			return out
		}
		rest = rest[i+len("COALESCE("):]
		depth, end := 0, -1
		for j, r := range rest {
			switch {
			case r == '(':
				depth++
			case r == ')':
				depth--
			case r == ',' && depth == 0:
				end = j
			}
			if end >= 0 || depth < 0 {
				break
			}
		}
		if end < 0 || !strings.HasPrefix(strings.TrimSpace(rest[end+1:]), "'')") {
			t.Fatalf("COALESCE without a second argument '': %.60s", rest)
		}
		out = append(out, strings.TrimSpace(rest[:end]))
	}
}

func isText(s Schema, expr string) bool {
	if strings.HasPrefix(expr, "CONVERT(NVARCHAR(") || strings.HasPrefix(expr, "CAST(") && strings.Contains(expr, " AS NVARCHAR(") {
		return true
	}
	switch expr {
	case "q.[Version]", "ps.[Version]":
		return s.Version.Class == Text
	case "q.[Package Version]", "pack.[Package Version]":
		return s.PackageVersion.Class == Text
	case "q.[Status]", "ps.[Status]", "q.[Name]", "vi.[Name]", "pack.[Name]":
		return true // checked as text by CheckSchema
	}
	return false
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got ---\n%s", path, got)
	}
}
