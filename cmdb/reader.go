package cmdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/itms-tools/reconciler/observed"

	_ "github.com/microsoft/go-mssqldb" // registers "sqlserver"
	_ "modernc.org/sqlite"              // registers "sqlite"
)

// Reader implements observed.CMDB over a database/sql handle. Before its
// first read it checks the CMDB's schema (CheckSchema) and builds its
// queries for it; a schema it does not understand fails every read with a
// *SchemaError, so nothing is planned. On SQL Server every read also
// checks, on the connection it reads from, that the database is the
// primary (CheckPrimary).
type Reader struct {
	DB      *sql.DB
	Dialect Dialect // SQLite (the zero value) or SQLServer

	mu      sync.Mutex
	checked *checkedSchema // nil until a check succeeded
}

type checkedSchema struct {
	schema  Schema
	queries Queries
}

var _ observed.CMDB = (*Reader)(nil)

// Open opens the CMDB named by dsn: a "sqlserver://" URL goes to
// go-mssqldb, anything else is taken as a SQLite file path or "file:" URI.
// It does not connect; the first query does.
func Open(dsn string) (*sql.DB, error) {
	driver := DriverFor(dsn)
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s CMDB: %w", driver, err)
	}
	return db, nil
}

// DriverFor returns the database/sql driver name for a DSN.
func DriverFor(dsn string) string {
	if strings.HasPrefix(strings.ToLower(dsn), "sqlserver://") {
		return "sqlserver"
	}
	return "sqlite"
}

// Schema returns the checked schema, checking it first if no check has
// succeeded yet.
func (r *Reader) Schema(ctx context.Context) (Schema, error) {
	c, err := r.check(ctx, r.DB)
	if err != nil {
		return Schema{}, err
	}
	return c.schema, nil
}

// check returns the checked schema, inspecting the catalog through q when
// no check has succeeded yet. A failed check is not kept: the next read
// checks again.
func (r *Reader) check(ctx context.Context, q querier) (*checkedSchema, error) {
	r.mu.Lock()
	c := r.checked
	r.mu.Unlock()
	if c != nil {
		return c, nil
	}
	cat, err := Inspect(ctx, r.Dialect, q)
	if err != nil {
		return nil, fmt.Errorf("check the CMDB schema: %w", err)
	}
	s, err := CheckSchema(r.Dialect, cat)
	if err != nil {
		return nil, err
	}
	c = &checkedSchema{schema: s, queries: Build(s)}
	r.mu.Lock()
	r.checked = c
	r.mu.Unlock()
	return c, nil
}

// read runs one read on a connection of its own: the schema check (once),
// the primary check (SQL Server), then f with the queries.
func (r *Reader) read(ctx context.Context, f func(*sql.Conn, Queries) error) (err error) {
	conn, err := r.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		if cerr := conn.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("release connection: %w", cerr)
		}
	}()
	c, err := r.check(ctx, conn)
	if err != nil {
		return err
	}
	if r.Dialect == SQLServer {
		if err := CheckPrimary(ctx, conn); err != nil {
			return err
		}
	}
	return f(conn, c.queries)
}

// InQuestion streams the rows in question. It checks rows.Err and the
// Close error, so a read cut short is an error, never a short answer.
func (r *Reader) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	return r.read(ctx, func(conn *sql.Conn, q Queries) error { return inQuestion(ctx, conn, q.InQuestion, fn) })
}

func inQuestion(ctx context.Context, conn *sql.Conn, query string, fn func(observed.RawRow) error) (err error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("query rows in question: %w", err)
	}
	defer closeRows(rows, &err)
	for rows.Next() {
		var row observed.RawRow
		var known int
		if err := rows.Scan(&row.ServerID, &row.ServerName, &row.PackageID, &row.PackageName,
			&row.Status, &row.Version, &row.PackageVersion, &known); err != nil {
			return fmt.Errorf("scan row in question: %w", err)
		}
		row.PackageKnown = known == 1
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read rows in question: %w", err)
	}
	return nil
}

// Servers lists package servers with pair counts by status: one entry
// per server id and name, so that an id under two names (a conflict that
// package observed reports) shows as two entries, not one.
func (r *Reader) Servers(ctx context.Context) ([]observed.RawServer, error) {
	var out []observed.RawServer
	err := r.read(ctx, func(conn *sql.Conn, q Queries) error {
		var err error
		out, err = servers(ctx, conn, q.Servers)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func servers(ctx context.Context, conn *sql.Conn, query string) (_ []observed.RawServer, err error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("query servers: %w", err)
	}
	defer closeRows(rows, &err)
	type idName struct{ id, name string }
	byID := map[idName]*observed.RawServer{}
	var order []idName
	for rows.Next() {
		var id, name, status string
		var n int
		if err := rows.Scan(&id, &name, &status, &n); err != nil {
			return nil, fmt.Errorf("scan server: %w", err)
		}
		k := idName{id, name}
		s, ok := byID[k]
		if !ok {
			s = &observed.RawServer{ID: id, Name: name, Counts: map[string]int{}}
			byID[k] = s
			order = append(order, k)
		}
		s.Counts[status] += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read servers: %w", err)
	}
	out := make([]observed.RawServer, 0, len(order))
	for _, k := range order {
		out = append(out, *byID[k])
	}
	return out, nil
}

func closeRows(rows *sql.Rows, err *error) {
	if cerr := rows.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("close rows: %w", cerr)
	}
}
