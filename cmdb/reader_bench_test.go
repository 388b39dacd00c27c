package cmdb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/itms-tools/reconciler/observed"
)

// benchCMDB writes a SQLite CMDB of servers x packages pairs, every
// fiftieth pair Invalid and every five-hundredth Ready at an old version.
func benchCMDB(b *testing.B, servers, packages int) *sql.DB {
	b.Helper()
	db, err := Open(filepath.Join(b.TempDir(), "cmdb.sqlite") + "?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, SQLiteSchema); err != nil {
		b.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	srv := func(i int) string { return fmt.Sprintf("%08X-0000-4000-8000-%012X", i, i) }
	pkg := func(i int) string { return fmt.Sprintf("A%07X-0000-4000-8000-%012X", i, i) }
	for s := range servers {
		exec(`INSERT INTO vItem VALUES (?, ?)`, srv(s), fmt.Sprintf("PS%04d", s+1))
	}
	for p := range packages {
		exec(`INSERT INTO SWDPackage VALUES (?, ?, '7', 1)`, pkg(p), fmt.Sprintf("Package %d", p))
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO SWDPackageServer VALUES (?, ?, ?, ?, NULL)`)
	if err != nil {
		b.Fatal(err)
	}
	for s := range servers {
		for p := range packages {
			status, version := "Ready", "7"
			switch n := s*packages + p; {
			case n%50 == 0:
				status = "Invalid"
			case n%500 == 7:
				version = "6"
			}
			if _, err := ins.ExecContext(ctx, srv(s), pkg(p), status, version); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkReader reads a 200 x 500 CMDB (100,000 pairs, 2,200 in
// question) two ways: the rows in question (Reader.InQuestion, what a pass
// reads) and the KB's own query (scanned and dropped, bench/run's scan).
func BenchmarkReader(b *testing.B) {
	db := benchCMDB(b, 200, 500)
	ctx := context.Background()
	b.Run("InQuestion", func(b *testing.B) {
		r := &Reader{DB: db}
		n := 0
		b.ReportAllocs()
		for b.Loop() {
			n = 0
			if err := r.InQuestion(ctx, func(observed.RawRow) error { n++; return nil }); err != nil {
				b.Fatal(err)
			}
		}
		if n != 2200 {
			b.Fatalf("%d rows in question, want 2200", n)
		}
	})
	b.Run("KBQuery", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rows, err := db.QueryContext(ctx, KBQuery)
			if err != nil {
				b.Fatal(err)
			}
			var s1, s2, s3, s4, s5, s6 string
			for rows.Next() {
				if err := rows.Scan(&s1, &s2, &s3, &s4, &s5, &s6); err != nil {
					b.Fatal(err)
				}
			}
			if err := rows.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
