package cmdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/itms-tools/reconciler/observed"
)

func TestQueriesRunOnSQLite(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "cmdb.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, SQLiteSchema); err != nil {
		t.Fatal(err)
	}
	stmts := []string{
		`INSERT INTO vItem VALUES ('AAAAAAAA-0000-0000-0000-000000000001','PS001')`,
		`INSERT INTO SWDPackage VALUES ('BBBBBBBB-0000-0000-0000-000000000001','7-Zip','3',1)`,
		`INSERT INTO SWDPackageServer VALUES ('AAAAAAAA-0000-0000-0000-000000000001','BBBBBBBB-0000-0000-0000-000000000001','Invalid','3',NULL)`,
		`INSERT INTO SWDPackageServer VALUES ('aaaaaaaa-0000-0000-0000-000000000001','..\..\Windows','Invalid','',NULL)`,
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatal(s, err)
		}
	}
	r := &Reader{DB: db}
	var got []observed.RawRow
	if err := r.InQuestion(ctx, func(row observed.RawRow) error { got = append(got, row); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d rows: %+v", len(got), got)
	}
	t.Logf("%+v", got)
	if _, err := db.QueryContext(ctx, KBQuery); err != nil {
		t.Fatal(err)
	}
	srv, err := r.Servers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", srv)
}
