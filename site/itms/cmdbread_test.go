package itms

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/observed"
	mssql "github.com/microsoft/go-mssqldb"
)

var rowCols = []string{"ServerId", "ServerName", "PackageId", "PackageName", "Status", "Version", "PackageVersion", "PackageKnown"}

func row(server, pkg, status string) []driver.Value {
	return []driver.Value{"aaaaaaaa-0000-0000-0000-000000000001", server, pkg, "7-Zip", status, "2", "3", int64(1)}
}

const (
	pkgA = "bbbbbbbb-0000-0000-0000-00000000000a"
	pkgB = "bbbbbbbb-0000-0000-0000-00000000000b"
)

func rowsStep(rows [][]driver.Value, err error) sqlStep {
	return sqlStep{contains: "AS PackageKnown", cols: rowCols, rows: rows, err: err}
}

func TestInQuestionRerunsWholeReadOnce(t *testing.T) {
	deadlock := mssql.Error{Number: 1205, Message: "Transaction was deadlocked on lock resources with another process and has been chosen as the deadlock victim."}
	movement := mssql.Error{Number: 601, Message: "Could not continue scan with NOLOCK due to data movement."}
	first := [][]driver.Value{row("PS001", pkgA, "Invalid")}
	full := [][]driver.Value{row("PS001", pkgA, "Invalid"), row("PS002", pkgB, "Pending")}
	tests := []struct {
		name     string
		steps    []sqlStep
		wantRows int
		wantErr  string
	}{
		{"clean read", []sqlStep{rowsStep(full, nil)}, 2, ""},
		{"deadlock mid-read, rerun succeeds", []sqlStep{rowsStep(first, deadlock), rowsStep(full, nil)}, 2, ""},
		{"deadlock at once, rerun succeeds", []sqlStep{{contains: "AS PackageKnown", err: deadlock}, rowsStep(full, nil)}, 2, ""},
		{"data movement then again", []sqlStep{rowsStep(first, movement), rowsStep(first, movement)}, 0, "SQL Server error 601 again on the rerun"},
		{"other error is not rerun", []sqlStep{rowsStep(first, errors.New("connection reset"))}, 0, "connection reset"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, db := newFakeSQL(t, tc.steps...)
			c := newSource(db, time.Minute)
			var got []observed.RawRow
			err := c.InQuestion(context.Background(), func(r observed.RawRow) error { got = append(got, r); return nil })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if len(got) != 0 {
					t.Fatalf("a failed read yielded %d rows", len(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.wantRows || got[0].PackageID != pkgA {
				t.Fatalf("rows = %+v", got)
			}
		})
	}
}

func TestCMDBLoginFailureIsTerminalWithoutPassword(t *testing.T) {
	login := mssql.Error{Number: 18456, Message: "login error: Login failed for user 'svc-reader'."}
	_, db := newFakeSQL(t, sqlStep{contains: "GROUP BY", err: login})
	site := &Site{secrets: secretForms(sentinel)}
	dsnLogin := failure.Login{Source: "cmdb", User: "svc-reader", Fingerprint: "f"}
	site.cmdb = newSource(db, time.Minute)
	site.cmdb.login = dsnLogin
	_, err := site.Servers(context.Background())
	if c, _ := failure.Classify(err); c != failure.Terminal {
		t.Fatalf("class = %v (%v), want terminal", c, err)
	}
	// [2/9] item 2: a refused login names the DSN's login, for the
	// controller to stop every call with it.
	if l, ok := failure.AuthOf(err); !ok || l != dsnLogin {
		t.Errorf("login failure %v names login %+v, %v", err, l, ok)
	}
	for _, want := range []string{"18456", "check the user and password", "svc-reader"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	assertNoSentinel(t, err.Error())
}

func TestCMDBQueryTimeout(t *testing.T) {
	_, db := newFakeSQL(t, sqlStep{contains: "AS PackageKnown", block: true})
	c := newSource(db, time.Millisecond)
	err := c.InQuestion(context.Background(), func(observed.RawRow) error { t.Error("row yielded"); return nil })
	if err == nil || !strings.Contains(err.Error(), "query timed out after 1ms") {
		t.Fatalf("err = %v", err)
	}
}

func TestCallbackErrorStopsAfterCompleteRead(t *testing.T) {
	_, db := newFakeSQL(t, rowsStep([][]driver.Value{row("PS001", pkgA, "Invalid"), row("PS002", pkgB, "Invalid")}, nil))
	c := newSource(db, time.Minute)
	stop := errors.New("stop")
	n := 0
	err := c.InQuestion(context.Background(), func(observed.RawRow) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err = %v after %d rows", err, n)
	}
}

// newSource reads db as the driver does: SQL Server's dialect, its catalog
// and primary checks answered by the fake (fakeCatalog).
func newSource(db *sql.DB, timeout time.Duration) *cmdbSource {
	return &cmdbSource{reader: &cmdb.Reader{DB: db, Dialect: cmdb.SQLServer}, timeout: timeout, log: slog.New(slog.DiscardHandler)}
}
