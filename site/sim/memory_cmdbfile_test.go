package sim

import (
	"cmp"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/observed"
)

// TestWriteCMDBMatchesTheSite: the SQLite CMDB a memory site writes,
// read with the production reader, yields the site's own rows in question
// and server counts.
func TestWriteCMDBMatchesTheSite(t *testing.T) {
	sc := mustParse(t, `{"name": "w", "seed": 3, "servers": 12, "packages": 30,
		"credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "faults": [
		{"kind": "acl_missing", "count": 1},
		{"kind": "credential_not_received", "count": 1},
		{"kind": "status_lost", "count": 1, "packages": 5},
		{"kind": "stale_ps_snapshot", "count": 2, "packages": 3},
		{"kind": "stale_ns_snapshot", "count": 2, "packages": 2},
		{"kind": "downloading", "count": 1, "packages": 4, "for": "2h"},
		{"kind": "cmdb_down", "from": "0s", "for": "30m"},
		{"kind": "bad_row", "package_id": "..\\..\\Windows"}]}`)
	s, err := NewMemory(sc, sc.Seed, Options{Clock: newClock()})
	if err != nil {
		t.Fatal(err)
	}
	db, err := cmdb.Open(filepath.Join(t.TempDir(), "cmdb.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := s.WriteCMDB(ctx, db); err != nil { // written though the CMDB is down
		t.Fatal(err)
	}
	r := &cmdb.Reader{DB: db}
	var got []observed.RawRow
	if err := r.InQuestion(ctx, func(row observed.RawRow) error { got = append(got, row); return nil }); err != nil {
		t.Fatal(err)
	}
	sortRows(got)
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM SWDPackageServer`).Scan(&n); err != nil || n != 12*30+1 {
		t.Fatalf("%d rows (%v), want every pair and the bad row", n, err)
	}
	srv, err := r.Servers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(srv, func(a, b observed.RawServer) int { return cmp.Compare(a.Name, b.Name) })

	clk := newClock()
	s2, err := NewMemory(sc, sc.Seed, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(45 * time.Minute) // the CMDB is back, the downloads still on
	want := observeSome(t, s2, false)
	if len(want.Rows) < 40 || !reflect.DeepEqual(got, want.Rows) {
		t.Errorf("rows in question differ:\n%s", diffJSON(want.Rows, got))
	}
	if !reflect.DeepEqual(srv, want.Servers) {
		t.Errorf("servers differ:\n%s", diffJSON(want.Servers, srv))
	}

	if err := s.WriteCMDB(ctx, db); err == nil {
		t.Error("a second WriteCMDB into the same tables succeeded")
	}
}
