package cmdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/itms-tools/reconciler/observed"

	_ "github.com/microsoft/go-mssqldb" // registers "sqlserver"
	_ "modernc.org/sqlite"              // registers "sqlite"
)

// Reader implements observed.CMDB over a database/sql handle.
type Reader struct {
	DB *sql.DB
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

// InQuestion streams the rows in question. It checks rows.Err and the
// Close error, so a read cut short is an error, never a short answer.
func (r *Reader) InQuestion(ctx context.Context, fn func(observed.RawRow) error) (err error) {
	rows, err := r.DB.QueryContext(ctx, inQuestionQuery)
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
func (r *Reader) Servers(ctx context.Context) (_ []observed.RawServer, err error) {
	rows, err := r.DB.QueryContext(ctx, serversQuery)
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
