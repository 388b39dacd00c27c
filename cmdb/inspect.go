package cmdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// querier runs a query: a *sql.DB, or the *sql.Conn of one read.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Inspect reads the catalog of the CMDB behind q in dialect d.
func Inspect(ctx context.Context, d Dialect, q querier) (Catalog, error) {
	if d == SQLServer {
		return inspectSQLServer(ctx, q)
	}
	return inspectSQLite(ctx, q)
}

// SQL Server's catalog, through the login's own name resolution
// (OBJECT_ID resolves an unqualified name as the queries do). A
// db_datareader login sees the metadata of the objects it may read.
const (
	columnsQuery = `SELECT OBJECT_NAME(c.object_id)      AS TableName
      ,c.name                          AS ColumnName
      ,TYPE_NAME(c.system_type_id)     AS TypeName
      ,c.is_nullable                   AS IsNullable
FROM sys.columns c
WHERE c.object_id IN (OBJECT_ID(N'SWDPackageServer'), OBJECT_ID(N'SWDPackage'), OBJECT_ID(N'vItem'))
ORDER BY TableName, c.column_id`

	indexesQuery = `SELECT OBJECT_NAME(i.object_id)      AS TableName
      ,i.name                          AS IndexName
      ,CASE WHEN i.type = 1 THEN 1 ELSE 0 END AS IsClustered
      ,i.is_unique                     AS IsUnique
      ,i.is_primary_key                AS IsPrimaryKey
      ,i.has_filter                    AS HasFilter
      ,c.name                          AS ColumnName
      ,ic.is_included_column           AS IsIncluded
FROM sys.indexes i
JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE i.object_id IN (OBJECT_ID(N'SWDPackageServer'), OBJECT_ID(N'SWDPackage'))
  AND i.type IN (1, 2) AND i.is_disabled = 0 AND i.is_hypothetical = 0
ORDER BY TableName, IndexName, ic.is_included_column, ic.key_ordinal, ic.index_column_id`

	// UpdateabilityQuery tells a primary (READ_WRITE) from an
	// availability group's readable secondary or a read-only database
	// (READ_ONLY). sys.databases.is_read_only is 0 on a secondary; this
	// property is not.
	UpdateabilityQuery = `SELECT CAST(DATABASEPROPERTYEX(DB_NAME(), 'Updateability') AS NVARCHAR(128)) AS Updateability`
)

func inspectSQLServer(ctx context.Context, q querier) (Catalog, error) {
	var c Catalog
	err := each(ctx, q, columnsQuery, nil, func(r *sql.Rows) error {
		var col CatalogColumn
		var table sql.NullString
		if err := r.Scan(&table, &col.Name, &col.Type, &col.Nullable); err != nil {
			return err
		}
		col.Table = table.String
		c.Columns = append(c.Columns, col)
		return nil
	})
	if err != nil {
		return Catalog{}, fmt.Errorf("read sys.columns: %w", err)
	}
	err = each(ctx, q, indexesQuery, nil, func(r *sql.Rows) error {
		var table, name sql.NullString
		var ix Index
		var col string
		var included bool
		if err := r.Scan(&table, &name, &ix.Clustered, &ix.Unique, &ix.Primary, &ix.Filtered, &col, &included); err != nil {
			return err
		}
		ix.Table, ix.Name = table.String, name.String
		c.Indexes = addIndexColumn(c.Indexes, ix, col, included)
		return nil
	})
	if err != nil {
		return Catalog{}, fmt.Errorf("read sys.indexes: %w", err)
	}
	return c, nil
}

// ReadOnlyError says the read reached a database SQL Server does not let
// it write: an availability group's secondary (reached, for example,
// through read-only routing), whose rows may lag the primary's, or a
// read-only database. The reconciler verifies its remedies by reading the
// CMDB again, and a lagging replica would make an effective remedy look
// ineffective and escalate it: it reads only the primary. Terminal.
type ReadOnlyError struct {
	Updateability string
}

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("the CMDB connection reached a database that is not writable (DATABASEPROPERTYEX Updateability %q): "+
		"an availability group secondary, whose rows may lag the primary's, or a read-only copy; the reconciler reads only "+
		"the primary: remove ApplicationIntent=ReadOnly from the DSN and name the availability group listener or the primary", e.Updateability)
}

// Terminal marks the error terminal for package failure.
func (e *ReadOnlyError) Terminal() bool { return true }

// CheckPrimary returns a *ReadOnlyError unless the database behind q (on
// SQL Server) is writable: READ_WRITE.
func CheckPrimary(ctx context.Context, q querier) error {
	var u sql.NullString
	err := each(ctx, q, UpdateabilityQuery, nil, func(r *sql.Rows) error { return r.Scan(&u) })
	if err != nil {
		return fmt.Errorf("read the database's updateability: %w", err)
	}
	if !strings.EqualFold(u.String, "READ_WRITE") {
		return &ReadOnlyError{Updateability: u.String}
	}
	return nil
}

// addIndexColumn adds one catalog row (an index and one of its columns)
// to out, starting a new index when the row names another.
func addIndexColumn(out []Index, ix Index, col string, included bool) []Index {
	if n := len(out); n == 0 || out[n-1].Table != ix.Table || out[n-1].Name != ix.Name {
		out = append(out, ix)
	}
	last := &out[len(out)-1]
	if included {
		last.Included = append(last.Included, col)
	} else {
		last.Keys = append(last.Keys, col)
	}
	return out
}

// inspectSQLite reads the simulated site's catalog with SQLite's pragma
// functions: table_info, table_list (WITHOUT ROWID tables are clustered on
// their primary key), index_list and index_xinfo.
func inspectSQLite(ctx context.Context, q querier) (Catalog, error) {
	var c Catalog
	for _, t := range []string{tPackageServer, tPackage, tItem} {
		err := each(ctx, q, `SELECT name, type, "notnull" FROM pragma_table_info(?)`, []any{t}, func(r *sql.Rows) error {
			col := CatalogColumn{Table: t}
			var notNull bool
			if err := r.Scan(&col.Name, &col.Type, &notNull); err != nil {
				return err
			}
			col.Nullable = !notNull
			c.Columns = append(c.Columns, col)
			return nil
		})
		if err != nil {
			return Catalog{}, fmt.Errorf("read pragma table_info(%s): %w", t, err)
		}
		ix, err := sqliteIndexes(ctx, q, t)
		if err != nil {
			return Catalog{}, err
		}
		c.Indexes = append(c.Indexes, ix...)
	}
	return c, nil
}

func sqliteIndexes(ctx context.Context, q querier, table string) ([]Index, error) {
	withoutRowid := false
	err := each(ctx, q, `SELECT wr FROM pragma_table_list(?)`, []any{table}, func(r *sql.Rows) error {
		return r.Scan(&withoutRowid)
	})
	if err != nil {
		return nil, fmt.Errorf("read pragma table_list(%s): %w", table, err)
	}
	var out []Index
	err = each(ctx, q, `SELECT name, "unique", origin, partial FROM pragma_index_list(?)`, []any{table}, func(r *sql.Rows) error {
		ix := Index{Table: table}
		var origin string
		if err := r.Scan(&ix.Name, &ix.Unique, &origin, &ix.Filtered); err != nil {
			return err
		}
		ix.Primary = origin == "pk"
		ix.Clustered = ix.Primary && withoutRowid
		out = append(out, ix)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read pragma index_list(%s): %w", table, err)
	}
	for i := range out {
		err := each(ctx, q, `SELECT name, "key" FROM pragma_index_xinfo(?) WHERE name IS NOT NULL ORDER BY seqno`,
			[]any{out[i].Name}, func(r *sql.Rows) error {
				var col string
				var key bool
				if err := r.Scan(&col, &key); err != nil {
					return err
				}
				if key {
					out[i].Keys = append(out[i].Keys, col)
				} else {
					out[i].Included = append(out[i].Included, col)
				}
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("read pragma index_xinfo(%s): %w", out[i].Name, err)
		}
	}
	slices.SortFunc(out, func(a, b Index) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// each runs query and calls fn for every row; the rows are closed, and
// their error checked, before it returns.
func each(ctx context.Context, q querier, query string, args []any, fn func(*sql.Rows) error) (err error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer closeRows(rows, &err)
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
