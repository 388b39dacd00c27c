package cmdb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/observed"
)

// referenceQuery is the rows in question in their plainest form: every
// row of SWDPackageServer joined to its server and package, kept when not
// Ready, at another version, naming an unknown package or server, or
// naming a package with two latest rows or a server whose name another
// server with rows bears. It
// reads every row; inQuestionQuery must yield exactly its rows. (The status
// test is on the column, so that it keeps the column's case-insensitive
// collation in SQLite as in SQL Server: through COALESCE, SQLite compared
// it case-sensitively and took "READY" rows for rows in question.)
func referenceQuery(s Schema) string {
	v := func(col string) string { return versionText(s.Version, col) }
	pv := func(col string) string { return versionText(s.PackageVersion, col) }
	return `SELECT
    CAST(ps.[PkgSvrId] AS NVARCHAR(36))   AS ServerId
   ,COALESCE(vi.[Name], '')               AS ServerName
   ,CAST(ps.[PackageId] AS NVARCHAR(64))  AS PackageId
   ,COALESCE(pack.[Name], '')             AS PackageName
   ,COALESCE(ps.[Status], '')             AS Status
   ,COALESCE(` + v("ps.[Version]") + `, '') AS Version
   ,COALESCE(` + pv("pack.[Package Version]") + `, '') AS PackageVersion
   ,CASE WHEN pack.[PackageId] IS NULL THEN 0 ELSE 1 END AS PackageKnown
FROM SWDPackageServer ps
LEFT JOIN vItem vi
   ON vi.[Guid] = ps.[PkgSvrId]
LEFT JOIN SWDPackage pack
   ON pack.[PackageId] = ps.[PackageId]
   AND pack.[_Latest] = 1
WHERE ps.[Status] IS NULL OR ps.[Status] <> 'Ready'
   OR pack.[PackageId] IS NULL
   OR vi.[Guid] IS NULL
   OR COALESCE(` + v("ps.[Version]") + `, '') <> ` + pv("pack.[Package Version]") + `
   OR ps.[PackageId] IN (SELECT d.[PackageId] FROM SWDPackage d WHERE d.[_Latest] = 1
                         GROUP BY d.[PackageId] HAVING COUNT(*) > 1)
   OR LOWER(vi.[Name]) IN (SELECT LOWER(v.[Name]) FROM vItem v
                           WHERE EXISTS (SELECT 1 FROM SWDPackageServer s WHERE s.[PkgSvrId] = v.[Guid])
                           GROUP BY LOWER(v.[Name]) HAVING COUNT(*) > 1)`
}

// relaxedSchema is SQLiteSchema with every column that is not a key
// nullable, as a SQL Server CMDB may have them.
var relaxedSchema = strings.NewReplacer(
	"[Name] TEXT NOT NULL", "[Name] TEXT",
	"[Name]            TEXT    NOT NULL", "[Name]            TEXT",
	"[Package Version] TEXT    NOT NULL", "[Package Version] TEXT",
	// a WITHOUT ROWID table refuses NULL in its key
	"PRIMARY KEY ([PackageId], [Package Version])\n) WITHOUT ROWID", "PRIMARY KEY ([PackageId], [Package Version])\n)",
).Replace(SQLiteSchema)

// integerSchema is relaxedSchema with integer version columns, as a SQL
// Server CMDB may have them.
var integerSchema = strings.NewReplacer(
	"[Package Version] TEXT,", "[Package Version] INTEGER,",
	"[Version]   TEXT DEFAULT '',", "[Version]   INTEGER,",
).Replace(relaxedSchema)

// randomCMDBs is how many random CMDBs the query is checked on.
var randomCMDBs = 300

func TestInQuestionQueryMatchesTheReference(t *testing.T) {
	if relaxedSchema == SQLiteSchema || integerSchema == relaxedSchema {
		t.Fatal("relaxedSchema or integerSchema changes nothing: update it with SQLiteSchema")
	}
	n := randomCMDBs
	if testing.Short() {
		n = min(n, 40)
	}
	ctx := context.Background()
	conflictRows := 0 // healthy rows yielded because of a conflict
	for seed := range n {
		schema := []string{SQLiteSchema, relaxedSchema, integerSchema}[seed%3]
		db := randomCMDB(t, uint64(seed), schema)
		checked, err := (&Reader{DB: db}).Schema(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]TypeClass{true: Integer, false: Text}[schema == integerSchema]; checked.Version.Class != want {
			t.Fatalf("seed %d: version class %v, want %v", seed, checked.Version.Class, want)
		}
		want := readAll(t, ctx, db, referenceQuery(checked))
		for _, row := range want {
			if row.Status == "Ready" && row.Version == row.PackageVersion && row.PackageKnown && row.ServerName != "" {
				conflictRows++
			}
		}
		got := readAll(t, ctx, db, Build(checked).InQuestion)
		if !slices.Equal(got, want) {
			t.Fatalf("seed %d: %d rows in question, the reference %d:\ngot  %v\nwant %v", seed, len(got), len(want), got, want)
		}
		r := &Reader{DB: db}
		var viaReader []observed.RawRow
		if err := r.InQuestion(ctx, func(row observed.RawRow) error { viaReader = append(viaReader, row); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(viaReader) != len(want) {
			t.Fatalf("seed %d: the reader yields %d rows, the query %d", seed, len(viaReader), len(want))
		}
		checkWithoutStatusIndex(t, ctx, db, seed, want)
		db.Close()
	}
	if conflictRows == 0 {
		t.Error("no random CMDB had a package with two latest rows or a name shared by two servers")
	}
	t.Logf("%d healthy rows yielded for conflicts", conflictRows)
}

// checkWithoutStatusIndex drops the status index from db and checks that
// the reader then finds no status range, builds the query that scans once,
// and yields the rows of the reference.
func checkWithoutStatusIndex(t *testing.T, ctx context.Context, db *sql.DB, seed int, want []observed.RawRow) {
	t.Helper()
	if _, err := db.ExecContext(ctx, "DROP INDEX IX_SWDPackageServer_Status"); err != nil {
		t.Fatal(err)
	}
	checked, err := (&Reader{DB: db}).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if checked.Indexes.StatusRange != nil {
		t.Fatalf("seed %d: the status index is gone, the check still finds %v", seed, checked.Indexes.StatusRange)
	}
	q := Build(checked).InQuestion
	if q != inQuestionQuery(checked) || !strings.Contains(q, "WHERE pack.[PackageId] IS NULL") {
		t.Fatalf("seed %d: without the status index the query is not the one that scans", seed)
	}
	if got := readAll(t, ctx, db, q); !slices.Equal(got, want) {
		t.Fatalf("seed %d, no status index: %d rows in question, the reference %d:\ngot  %v\nwant %v", seed, len(got), len(want), got, want)
	}
}

// randomCMDB fills a CMDB with a few servers and packages and every kind
// of row the query must tell apart: statuses in any case, NULL or odd;
// versions equal, different, empty or NULL; packages latest, only older,
// twice latest or unknown; servers in vItem or not, some under the name of
// another (in either case); ids in either case or not GUIDs at all.
func randomCMDB(t *testing.T, seed uint64, schema string) *sql.DB {
	t.Helper()
	integers := schema == integerSchema
	r := rand.New(rand.NewPCG(seed, 0xc3d8))
	db, err := Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one connection, one in-memory database
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s %v: %v", q, args, err)
		}
	}
	exec(schema)
	id := func(prefix string, i int) string { return fmt.Sprintf("%s%07d-0000-4000-8000-%012d", prefix, i, i) }
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	var servers []string
	for i := range 1 + r.IntN(5) {
		s := id("5", i)
		servers = append(servers, s)
		if r.IntN(4) > 0 {
			name := fmt.Sprintf("PS%03d", i)
			if i > 0 && r.IntN(4) == 0 { // another server's name
				name = pick(fmt.Sprintf("PS%03d", r.IntN(i)), fmt.Sprintf("ps%03d", r.IntN(i)))
			}
			exec(`INSERT INTO vItem VALUES (?, ?)`, s, name)
		}
	}
	servers = append(servers, pick("zzz-not-a-guid", "00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"))
	var packages []string
	versions := map[string]string{}
	for i := range 1 + r.IntN(6) {
		p := id("a", i)
		packages = append(packages, p)
		v := pick("3", "3", "10", "")
		if integers {
			v = pick("3", "3", "10", "7") // an integer column holds no ''
		}
		versions[p] = v
		switch r.IntN(6) {
		case 0: // unknown
		case 1: // only an older version
			exec(`INSERT INTO SWDPackage VALUES (?, 'Old', '1', 0)`, p)
		case 2: // latest twice, the second spelt in upper case
			exec(`INSERT INTO SWDPackage VALUES (?, 'Twice', ?, 1)`, p, v)
			exec(`INSERT INTO SWDPackage VALUES (?, 'Twice', '99', 1)`, strings.ToUpper(p))
		case 3:
			if schema != SQLiteSchema {
				exec(`INSERT INTO SWDPackage VALUES (?, NULL, NULL, 1)`, p)
				break
			}
			fallthrough
		default:
			exec(`INSERT INTO SWDPackage VALUES (?, 'Pkg', ?, 1)`, p, v)
			exec(`INSERT INTO SWDPackage VALUES (?, 'Pkg', '0', 0)`, p)
		}
	}
	packages = append(packages, pick(`..\..\Windows`, "zzzz", "0"))
	statuses := []any{"Ready", "Ready", "Ready", "ready", "READY", "Invalid", "Pending", "", " Ready", nil}
	for _, s := range servers {
		for _, p := range packages {
			if r.IntN(5) == 0 {
				continue
			}
			sid, pid := s, p
			if r.IntN(4) == 0 {
				sid, pid = strings.ToLower(s), strings.ToUpper(p)
			}
			var version any = versions[p]
			switch r.IntN(6) {
			case 0:
				version = "2"
			case 1:
				version = nil
			case 2:
				version = ""
				if integers {
					version = nil
				}
			}
			exec(`INSERT INTO SWDPackageServer VALUES (?, ?, ?, ?, NULL)`, sid, pid, statuses[r.IntN(len(statuses))], version)
		}
	}
	return db
}

// readAll runs a rows-in-question query and returns its rows sorted.
func readAll(t *testing.T, ctx context.Context, db *sql.DB, query string) []observed.RawRow {
	t.Helper()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []observed.RawRow
	for rows.Next() {
		var row observed.RawRow
		var known int
		if err := rows.Scan(&row.ServerID, &row.ServerName, &row.PackageID, &row.PackageName,
			&row.Status, &row.Version, &row.PackageVersion, &known); err != nil {
			t.Fatal(err)
		}
		row.PackageKnown = known == 1
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b observed.RawRow) int {
		return cmp.Or(cmp.Compare(a.ServerID, b.ServerID), cmp.Compare(a.PackageID, b.PackageID),
			cmp.Compare(a.PackageVersion, b.PackageVersion), cmp.Compare(a.PackageName, b.PackageName))
	})
	return out
}

// TestInQuestionQueryReadsNoReadyRows checks SQLite's plan: every branch
// ranges over an index of SWDPackageServer, except the one that runs only
// when no server is known (where every row may be in question).
func TestInQuestionQueryReadsNoReadyRows(t *testing.T) {
	plan := queryPlan(t, SQLiteSchema)
	scans := 0
	for i, d := range plan {
		if strings.HasPrefix(d, "SCAN ps") || strings.HasPrefix(d, "SCAN s ") || strings.Contains(d, "AUTOMATIC") {
			if strings.HasPrefix(d, "SCAN ps") && i > 0 && plan[i-1] == "SCAN c" {
				scans++
				continue
			}
			t.Errorf("plan step %q reads SWDPackageServer beyond the rows in question:\n%s", d, strings.Join(plan, "\n"))
		}
	}
	if scans > 1 {
		t.Errorf("%d scans under a none-known branch, want at most 1:\n%s", scans, strings.Join(plan, "\n"))
	}
}

// TestInQuestionQueryWithoutStatusIndexScansOnce checks SQLite's plan on
// the vendor's schema without IX_SWDPackageServer_Status: one scan of
// SWDPackageServer for the rows not Ready, at another version or of an
// unknown package (and the one under the branch that runs only when no
// server is known), never one per range; the servers' ranges stay on the
// primary key.
func TestInQuestionQueryWithoutStatusIndexScansOnce(t *testing.T) {
	schema := strings.Replace(SQLiteSchema, "CREATE INDEX IF NOT EXISTS IX_SWDPackageServer_Status\n    ON SWDPackageServer ([Status], [PackageId], [Version]);", "", 1)
	if schema == SQLiteSchema {
		t.Fatal("the status index is not where this test removes it: update the test with SQLiteSchema")
	}
	plan := queryPlan(t, schema)
	scans, underNone := 0, 0
	for i, d := range plan {
		if strings.Contains(d, "IX_SWDPackageServer_Status") {
			t.Errorf("plan step %q uses an index that is not there", d)
		}
		if strings.Contains(d, "AUTOMATIC") || strings.HasPrefix(d, "SCAN s ") {
			t.Errorf("plan step %q reads SWDPackageServer beyond one scan", d)
		}
		if strings.HasPrefix(d, "SCAN ps") {
			if i > 0 && plan[i-1] == "SCAN c" {
				underNone++
			} else {
				scans++
			}
		}
	}
	if scans != 1 || underNone > 1 {
		t.Errorf("%d scans of SWDPackageServer (%d under a none-known branch), want 1 (and at most 1):\n%s",
			scans, underNone, strings.Join(plan, "\n"))
	}
}

// queryPlan is SQLite's plan of the production query over an empty CMDB
// made with schema.
func queryPlan(t *testing.T, schema string) []string {
	t.Helper()
	db, err := Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		t.Fatal(err)
	}
	checked, err := (&Reader{DB: db}).Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("EXPLAIN QUERY PLAN " + Build(checked).InQuestion)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}
