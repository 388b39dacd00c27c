package tdspeer

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/site/itms/internal/testpki"
	mssql "github.com/microsoft/go-mssqldb"
)

const addr = "sql01.corp.example:1433"

// open connects go-mssqldb's own connector, through n, with dsn's query.
func open(t *testing.T, n *Network, query string) *sql.DB {
	t.Helper()
	c, err := mssql.NewConnector("sqlserver://svc-reader:s3cr%C3%A9t@sql01.corp.example:1433?database=Symantec_CMDB&" + query)
	if err != nil {
		t.Fatal(err)
	}
	c.Dialer = n
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

func peer(t *testing.T, handle func(context.Context, Batch) Response) (*Server, *Network) {
	s := New(t)
	s.Handle = handle
	n := &Network{}
	n.Add(addr, s)
	return s, n
}

func answer(r Response) func(context.Context, Batch) Response {
	return func(context.Context, Batch) Response { return r }
}

// TestTypesThroughGoMssqldb: every type the peer sends, NULLs included,
// decodes in go-mssqldb to what SQL Server's own answer would give.
func TestTypesThroughGoMssqldb(t *testing.T) {
	guid := "6F9619FF-8B86-D011-B42D-00C04FC964FF"
	when := time.Date(2024, 3, 5, 10, 22, 33, 123_000_000, time.UTC)
	cols := []Column{
		{Name: "Id", Type: UniqueIdentifier, Nullable: true},
		{Name: "Name", Type: NVarChar(255), Nullable: true},
		{Name: "Error", Type: NText, Nullable: true, Table: "dbo.SWDPackageServer"},
		{Name: "Version", Type: Int, Nullable: true},
		{Name: "Big", Type: BigInt, Nullable: true},
		{Name: "Latest", Type: Bit, Nullable: true},
		{Name: "Changed", Type: DateTime, Nullable: true},
		{Name: "Changed2", Type: DateTime2(7), Nullable: true},
	}
	rows := [][]any{
		{ParseUUID(guid), "PS001 — Zürich", "The trust relationship between this workstation and the primary domain failed(1789).",
			int64(7), int64(1) << 40, true, when, when},
		{nil, nil, nil, nil, nil, nil, nil, nil},
	}
	_, n := peer(t, answer(Response{Results: []Result{{Columns: cols, Rows: rows}}}))
	db := open(t, n, "encrypt=disable")
	r, err := db.Query("SELECT * FROM T")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	types, _ := r.ColumnTypes()
	for i, want := range []string{"UNIQUEIDENTIFIER", "NVARCHAR", "NTEXT", "INT", "BIGINT", "BIT", "DATETIME", "DATETIME2"} {
		if got := types[i].DatabaseTypeName(); got != want {
			t.Errorf("column %d: type %s, want %s", i, got, want)
		}
	}
	var got [][]any
	for r.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		got = append(got, vals)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d rows", len(got))
	}
	var u mssql.UniqueIdentifier
	if err := u.Scan(got[0][0]); err != nil || u.String() != guid {
		t.Errorf("uniqueidentifier %x decodes to %v (%v), want %s", got[0][0], u, err, guid)
	}
	if b := got[0][0].([]byte); b[0] != 0xFF || b[3] != 0x6F || b[4] != 0x86 || b[6] != 0x11 {
		t.Errorf("uniqueidentifier on the wire %X: want the first groups little-endian", b)
	}
	want := []any{"PS001 — Zürich", rows[0][2], int64(7), int64(1) << 40, true}
	for i, w := range want {
		if got[0][i+1] != w {
			t.Errorf("column %d = %#v, want %#v", i+1, got[0][i+1], w)
		}
	}
	if d := got[0][6].(time.Time); d.Sub(when).Abs() > 2*time.Millisecond {
		t.Errorf("datetime %v, want %v to 1/300 s", d, when)
	}
	if d := got[0][7].(time.Time); !d.Equal(when) {
		t.Errorf("datetime2 %v, want %v", d, when)
	}
	for i, v := range got[1] {
		if v != nil {
			t.Errorf("NULL column %d = %#v", i, v)
		}
	}
}

// TestManyRowsCrossPackets: a result larger than one packet arrives whole.
func TestManyRowsCrossPackets(t *testing.T) {
	var rows [][]any
	for i := range 3000 {
		rows = append(rows, []any{fmt.Sprintf("PS%04d", i), int64(i)})
	}
	cols := []Column{{Name: "Name", Type: NVarChar(64)}, {Name: "N", Type: Int}}
	_, n := peer(t, answer(Response{Results: []Result{{Columns: cols, Rows: rows}}}))
	var count, sum int64
	r, err := open(t, n, "encrypt=disable").Query("SELECT N FROM T")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var name string
		var i int64
		if err := r.Scan(&name, &i); err != nil {
			t.Fatal(err)
		}
		count, sum = count+1, sum+i
	}
	if err := r.Err(); err != nil || count != 3000 || sum != 2999*3000/2 {
		t.Fatalf("%d rows, sum %d, err %v", count, sum, err)
	}
}

// TestErrorTokens: an error after some rows ends the read with
// go-mssqldb's mssql.Error; a refused login fails the connection with one.
func TestErrorTokens(t *testing.T) {
	deadlock := &Error{Number: 1205, State: 51, Class: 13, Message: "Transaction (Process ID 61) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction."}
	cols := []Column{{Name: "N", Type: Int}}
	_, n := peer(t, answer(Response{Results: []Result{{Columns: cols, Rows: [][]any{{1}, {2}}}}, Err: deadlock}))
	r, err := open(t, n, "encrypt=disable").Query("SELECT N FROM T")
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for r.Next() {
		rows++
	}
	var me mssql.Error
	if err := r.Err(); !errors.As(err, &me) || me.Number != 1205 || me.Class != 13 || rows != 2 {
		t.Fatalf("after %d rows: %v", rows, err)
	}
	r.Close()

	s, n := peer(t, nil)
	s.Login = func(l Login) *Error {
		return &Error{Number: 18456, State: 1, Class: 14, Message: "Login failed for user '" + l.User + "'."}
	}
	err = open(t, n, "encrypt=disable").Ping()
	if !errors.As(err, &me) || me.Number != 18456 || !strings.Contains(me.Message, "Login failed for user 'svc-reader'") {
		t.Fatalf("Ping = %v", err)
	}
	if l := s.Logins(); len(l) == 0 || l[0].User != "svc-reader" || l[0].Password != "s3crét" || l[0].Database != "Symantec_CMDB" {
		t.Errorf("logins %+v", l)
	}
}

// TestTLS: the peer offers TLS as SQL Server does, and go-mssqldb checks
// its certificate against the DSN's CA file.
func TestTLS(t *testing.T) {
	ca, err := testpki.NewCA("sql test CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := ca.Issue("sql01.corp.example")
	if err != nil {
		t.Fatal(err)
	}
	caFile, err := ca.WriteFile(t.TempDir(), "ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := testpki.NewCA("other CA")
	otherFile, _ := other.WriteFile(t.TempDir(), "other.pem")
	tests := []struct {
		name, query      string
		noTLS            bool
		wantErr          string
		login, session   bool
		strict           bool
		wantTLSVersionGE uint16
	}{
		{"encrypt=true", "encrypt=true&certificate=" + caFile, false, "", true, true, false, 0},
		{"login only", "encrypt=false&certificate=" + caFile, false, "", true, false, false, 0},
		{"strict", "encrypt=strict&certificate=" + caFile, false, "", true, true, true, tls.VersionTLS13},
		{"disable", "encrypt=disable", false, "", false, false, false, 0},
		{"unknown CA", "encrypt=true&certificate=" + otherFile, false, "certificate signed by unknown authority", false, false, false, 0},
		{"wrong host", "encrypt=true&certificate=" + caFile + "&hostNameInCertificate=sql02.corp.example", false, "sql02.corp.example", false, false, false, 0},
		{"server without TLS", "encrypt=true&certificate=" + caFile, true, "server does not support encryption", false, false, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, n := peer(t, answer(Response{Results: []Result{{Columns: []Column{{Name: "", Type: Int}}, Rows: [][]any{{1}}}}}))
			if !tc.noTLS {
				s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
			}
			var one int
			err := open(t, n, tc.query).QueryRow("SELECT 1").Scan(&one)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || one != 1 {
				t.Fatalf("SELECT 1 = %d, %v", one, err)
			}
			l := s.Logins()[0]
			if l.Encrypted != tc.login || l.SessionEncrypted != tc.session || l.Strict != tc.strict {
				t.Errorf("login %+v", l)
			}
		})
	}
}

// TestReadOnlyRouting: a login with read-only intent is routed, as an
// availability group listener routes it, and go-mssqldb reconnects to the
// replica it names.
func TestReadOnlyRouting(t *testing.T) {
	listener, n := peer(t, nil)
	listener.Route = func(l Login) (string, uint16, bool) { return "sql02.corp.example", 1433, l.ReadOnlyIntent }
	secondary := New(t)
	secondary.Handle = answer(Response{Results: []Result{{Columns: []Column{{Name: "U", Type: NVarChar(20)}}, Rows: [][]any{{"READ_ONLY"}}}}})
	n.Add("sql02.corp.example:1433", secondary)
	var u string
	if err := open(t, n, "encrypt=disable&ApplicationIntent=ReadOnly").QueryRow("SELECT U").Scan(&u); err != nil || u != "READ_ONLY" {
		t.Fatalf("%q, %v", u, err)
	}
	if d := n.Dials(); len(d) != 2 || d[1] != "sql02.corp.example:1433" {
		t.Errorf("dials %q", d)
	}
	if !listener.Logins()[0].ReadOnlyIntent {
		t.Error("intent not seen")
	}
}

// TestAttention: a query cancelled by its context sends an attention; the
// peer cancels the handler and confirms, and the connection is reused.
func TestAttention(t *testing.T) {
	started := make(chan struct{})
	_, n := peer(t, func(ctx context.Context, b Batch) Response {
		if b.SQL == "WAITFOR DELAY '01:00'" {
			close(started)
			<-ctx.Done()
		}
		return Response{Results: []Result{{Columns: []Column{{Name: "", Type: Int}}, Rows: [][]any{{1}}}}}
	})
	db := open(t, n, "encrypt=disable")
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := db.ExecContext(ctx, "WAITFOR DELAY '01:00'")
		errc <- err
	}()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled query: %v", err)
	}
	var one int
	if err := db.QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("after the attention: %d, %v", one, err)
	}
	if d := n.Dials(); len(d) != 1 {
		t.Errorf("%d dials: the connection was not reused", len(d))
	}
}
