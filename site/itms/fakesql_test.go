package itms

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/itms-tools/reconciler/cmdb"
)

// fakeSQL is a database/sql driver (through sql.OpenDB and a Connector)
// that plays a script of statements: each query or exec must contain the
// next step's text, and gets its rows or its error. It records every
// statement, ping and connection close, and fails the test if a step is
// left unplayed or an unexpected statement arrives.
type fakeSQL struct {
	t     *testing.T
	mu    sync.Mutex
	steps []sqlStep
	seen  []string
	// pingErr is returned by pings.
	pingErr error
	// catalog answers the reader's schema and primary checks outside the
	// script (see catalogAnswer); nil: they are steps like any other.
	catalog *fakeCatalog
}

// fakeCatalog is what the fake answers to cmdb's catalog queries: a
// Symantec_CMDB-like schema (nvarchar versions) and the updateability.
type fakeCatalog struct {
	updateability string
}

// catalogAnswer returns the answer to a catalog query, if query is one.
func (c *fakeCatalog) catalogAnswer(query string) (sqlStep, bool) {
	switch {
	case c == nil:
		return sqlStep{}, false
	case strings.Contains(query, "FROM sys.columns c"):
		cols := []string{"TableName", "ColumnName", "TypeName", "IsNullable"}
		var rows [][]driver.Value
		for _, c := range [][3]string{
			{"SWDPackageServer", "PkgSvrId", "uniqueidentifier"}, {"SWDPackageServer", "PackageId", "uniqueidentifier"},
			{"SWDPackageServer", "Status", "nvarchar"}, {"SWDPackageServer", "Version", "nvarchar"},
			{"SWDPackage", "PackageId", "uniqueidentifier"}, {"SWDPackage", "Name", "nvarchar"},
			{"SWDPackage", "Package Version", "nvarchar"}, {"SWDPackage", "_Latest", "bit"},
			{"vItem", "Guid", "uniqueidentifier"}, {"vItem", "Name", "nvarchar"},
		} {
			rows = append(rows, []driver.Value{c[0], c[1], c[2], true})
		}
		return sqlStep{cols: cols, rows: rows}, true
	case strings.Contains(query, "FROM sys.indexes i"):
		return sqlStep{cols: []string{"TableName", "IndexName", "IsClustered", "IsUnique", "IsPrimaryKey", "HasFilter", "ColumnName", "IsIncluded"}}, true
	case strings.HasPrefix(query, cmdb.UpdateabilityQuery):
		return sqlStep{cols: []string{"Updateability"}, rows: [][]driver.Value{{c.updateability}}}, true
	}
	return sqlStep{}, false
}

// sqlStep is one expected statement and its answer. With rows and err,
// the rows are yielded and then the read fails with err (a read cut
// short); with block, the statement waits for its context to end.
type sqlStep struct {
	contains string
	cols     []string
	rows     [][]driver.Value
	err      error
	block    bool
}

func newFakeSQL(t *testing.T, steps ...sqlStep) (*fakeSQL, *sql.DB) {
	t.Helper()
	f := &fakeSQL{t: t, steps: steps, catalog: &fakeCatalog{updateability: "READ_WRITE"}}
	db := sql.OpenDB(fakeConnector{f})
	t.Cleanup(func() {
		db.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.steps) > 0 {
			t.Errorf("fake SQL: %d statements expected but never run, next %q", len(f.steps), f.steps[0].contains)
		}
	})
	return f, db
}

func (f *fakeSQL) next(query string) (sqlStep, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, firstLine(query))
	if s, ok := f.catalog.catalogAnswer(query); ok {
		return s, nil
	}
	if len(f.steps) == 0 {
		f.t.Errorf("fake SQL: unexpected statement %q", query)
		return sqlStep{}, errors.New("unexpected statement")
	}
	s := f.steps[0]
	f.steps = f.steps[1:]
	if !strings.Contains(query, s.contains) {
		f.t.Errorf("fake SQL: statement %q does not contain %q", query, s.contains)
		return sqlStep{}, errors.New("unexpected statement")
	}
	return s, nil
}

func (f *fakeSQL) record(what string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, what)
}

func (f *fakeSQL) statements() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}

type fakeConnector struct{ f *fakeSQL }

func (c fakeConnector) Connect(context.Context) (driver.Conn, error) {
	c.f.record("CONNECT")
	return &fakeConn{f: c.f}, nil
}

func (c fakeConnector) Driver() driver.Driver { return fakeDriver{c.f} }

type fakeDriver struct{ f *fakeSQL }

func (d fakeDriver) Open(string) (driver.Conn, error) { return &fakeConn{f: d.f}, nil }

type fakeConn struct{ f *fakeSQL }

var (
	_ driver.QueryerContext = (*fakeConn)(nil)
	_ driver.ExecerContext  = (*fakeConn)(nil)
	_ driver.Pinger         = (*fakeConn)(nil)
)

func (c *fakeConn) Prepare(string) (driver.Stmt, error) {
	return nil, errors.New("fake SQL: no prepare")
}
func (c *fakeConn) Begin() (driver.Tx, error) { return nil, errors.New("fake SQL: no transactions") }

func (c *fakeConn) Close() error {
	c.f.record("CLOSE")
	return nil
}

func (c *fakeConn) Ping(context.Context) error {
	c.f.record("PING")
	return c.f.pingErr
}

func (c *fakeConn) QueryContext(ctx context.Context, query string, _ []driver.NamedValue) (driver.Rows, error) {
	s, err := c.f.next(query)
	if err != nil {
		return nil, err
	}
	if s.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if s.err != nil && s.rows == nil {
		return nil, s.err
	}
	return &fakeRows{cols: s.cols, rows: s.rows, err: s.err}, nil
}

func (c *fakeConn) ExecContext(_ context.Context, query string, _ []driver.NamedValue) (driver.Result, error) {
	s, err := c.f.next(query)
	if err != nil {
		return nil, err
	}
	if s.err != nil {
		return nil, s.err
	}
	return driver.RowsAffected(0), nil
}

type fakeRows struct {
	cols []string
	rows [][]driver.Value
	err  error
	i    int
}

func (r *fakeRows) Columns() []string { return r.cols }
func (r *fakeRows) Close() error      { return nil }

func (r *fakeRows) Next(dest []driver.Value) error {
	if r.i < len(r.rows) {
		copy(dest, r.rows[r.i])
		r.i++
		return nil
	}
	if r.err != nil {
		return r.err
	}
	return io.EOF
}
