package disk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// The disk store's CMDB is a SQLite file with cmdb.SQLiteSchema's tables.
// GUIDs are stored upper-case, as SQL Server's CONVERT spells them. Reads
// of the rows in question go through cmdb.Reader, the production query.

// openDB opens the SQLite CMDB in WAL mode with a busy timeout, so that a
// CLI can read it while the daemon writes.
func openDB(path string) (*sql.DB, error) {
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open CMDB: path %q contains '?'", path)
	}
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, fmt.Errorf("open CMDB: %w", err)
	}
	return db, nil
}

// querier is a *sql.DB or the operation's *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// q returns the operation's transaction when it has one.
func (st *Store) q() querier {
	if st.tx != nil {
		return st.tx
	}
	return st.db
}

// writeTx returns the operation's transaction, starting it.
func (st *Store) writeTx() (*sql.Tx, error) {
	if st.tx == nil {
		tx, err := st.db.BeginTx(st.ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("begin CMDB transaction: %w", err)
		}
		st.tx = tx
	}
	return st.tx, nil
}

// flush commits the operation's writes.
func (st *Store) flush() error {
	if st.tx == nil {
		return nil
	}
	err := st.tx.Commit()
	st.tx = nil
	if err != nil {
		return fmt.Errorf("commit CMDB: %w", err)
	}
	return nil
}

// createTables writes the CMDB of a healthy site.
func (st *Store) createTables(ctx context.Context) error {
	if _, err := st.db.ExecContext(ctx, cmdb.SQLiteSchema); err != nil {
		return fmt.Errorf("create CMDB tables: %w", err)
	}
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create CMDB: %w", err)
	}
	defer tx.Rollback()
	for _, s := range st.cat.Servers {
		if _, err := tx.ExecContext(ctx, `INSERT INTO vItem ([Guid], [Name]) VALUES (?, ?)`, s.Upper, string(s.Name)); err != nil {
			return fmt.Errorf("create vItem: %w", err)
		}
	}
	for _, p := range st.cat.Packages {
		if _, err := tx.ExecContext(ctx, `INSERT INTO SWDPackage ([PackageId], [Name], [Package Version], [_Latest]) VALUES (?, ?, ?, 1)`,
			p.Upper, p.Name, p.Version); err != nil {
			return fmt.Errorf("create SWDPackage: %w", err)
		}
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO SWDPackageServer ([PkgSvrId], [PackageId], [Status], [Version], [Error]) VALUES (?, ?, 'Ready', ?, NULL)`)
	if err != nil {
		return fmt.Errorf("create SWDPackageServer: %w", err)
	}
	defer ins.Close()
	for _, s := range st.cat.Servers {
		for _, p := range st.cat.Packages {
			if _, err := ins.ExecContext(ctx, s.Upper, p.Upper, p.Version); err != nil {
				return fmt.Errorf("create SWDPackageServer: %w", err)
			}
		}
	}
	return tx.Commit()
}

// Row implements world.Store.
func (st *Store) Row(s, p int) (world.Row, error) {
	var status, version string
	var errText sql.NullString
	err := st.q().QueryRowContext(st.ctx,
		`SELECT [Status], [Version], [Error] FROM SWDPackageServer WHERE [PkgSvrId] = ? AND [PackageId] = ?`,
		st.cat.Servers[s].Upper, st.cat.Packages[p].Upper).Scan(&status, &version, &errText)
	if errors.Is(err, sql.ErrNoRows) {
		return world.Row{}, fmt.Errorf("CMDB has no row for %s/%s", st.cat.Servers[s].Name, st.cat.Packages[p].ID)
	}
	if err != nil {
		return world.Row{}, fmt.Errorf("read row: %w", err)
	}
	return world.Row{Status: vocab.NormalizeStatus(status), Version: version, TrustErr: errText.Valid && errText.String != ""}, nil
}

// WriteRows implements world.Store.
func (st *Store) WriteRows(w world.RowWrite) error {
	tx, err := st.writeTx()
	if err != nil {
		return err
	}
	srv := st.cat.Servers[w.Server].Upper
	set := map[int]bool{}
	for _, r := range w.Rows {
		set[r.P] = true
		if err := st.putRow(tx, srv, r.P, r.Row); err != nil {
			return err
		}
	}
	for p, info := range st.cat.Packages {
		if w.RestReady && !set[p] {
			if err := st.putRow(tx, srv, p, world.Row{Status: vocab.Ready, Version: info.Version}); err != nil {
				return err
			}
		}
	}
	if w.BadRow != "" {
		_, err := tx.ExecContext(st.ctx, `INSERT OR IGNORE INTO SWDPackageServer ([PkgSvrId], [PackageId], [Status], [Version], [Error]) VALUES (?, ?, 'Invalid', '', NULL)`,
			srv, w.BadRow)
		if err != nil {
			return fmt.Errorf("insert bad row: %w", err)
		}
	}
	return nil
}

func (st *Store) putRow(tx *sql.Tx, srv string, p int, r world.Row) error {
	var errText any
	if r.TrustErr {
		errText = world.TrustText
	}
	_, err := tx.ExecContext(st.ctx, `UPDATE SWDPackageServer SET [Status] = ?, [Version] = ?, [Error] = ? WHERE [PkgSvrId] = ? AND [PackageId] = ?`,
		string(r.Status), r.Version, errText, srv, st.cat.Packages[p].Upper)
	if err != nil {
		return fmt.Errorf("update row: %w", err)
	}
	return nil
}

// notReadyQuery counts valid pairs not Ready at the package version, per
// server name; the scope is applied in Go.
const notReadyQuery = `SELECT vi.[Name], COUNT(*)
FROM SWDPackageServer ps
JOIN vItem vi ON vi.[Guid] = ps.[PkgSvrId]
JOIN SWDPackage pack ON pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
WHERE ps.[Status] <> 'Ready' OR ps.[Version] <> pack.[Package Version]
GROUP BY vi.[Name]`

// NotReady implements world.Store.
func (st *Store) NotReady() (n int, err error) {
	rows, err := st.q().QueryContext(st.ctx, notReadyQuery)
	if err != nil {
		return 0, fmt.Errorf("count not-Ready pairs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var k int
		if err := rows.Scan(&name, &k); err != nil {
			return 0, fmt.Errorf("count not-Ready pairs: %w", err)
		}
		if s, ok := st.cat.Server(vocab.Host(name)); ok && st.inScope[s] {
			n += k
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("count not-Ready pairs: %w", err)
	}
	return n, nil
}

// InQuestion implements world.Store.
func (st *Store) InQuestion(ctx context.Context) ([]observed.RawRow, error) {
	if err := st.flush(); err != nil {
		return nil, err
	}
	var out []observed.RawRow
	r := &cmdb.Reader{DB: st.db}
	err := r.InQuestion(ctx, func(row observed.RawRow) error {
		out = append(out, row)
		return nil
	})
	return out, err
}

// Servers implements world.Store.
func (st *Store) Servers(ctx context.Context) ([]observed.RawServer, error) {
	if err := st.flush(); err != nil {
		return nil, err
	}
	r := &cmdb.Reader{DB: st.db}
	return r.Servers(ctx)
}

// Schema checks the schema of the SQLite CMDB as the real reader checks
// SQL Server's (cmdb.CheckSchema): for `reconciler doctor`.
func (st *Store) Schema(ctx context.Context) (cmdb.Schema, error) {
	if err := st.flush(); err != nil {
		return cmdb.Schema{}, err
	}
	return (&cmdb.Reader{DB: st.db}).Schema(ctx)
}
