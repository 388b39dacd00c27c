package memory

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/site/sim/world"
)

// WriteCMDB writes the site's CMDB, as it stands now, into db (an empty
// SQLite database): cmdb.SQLiteSchema's tables with every row, healthy
// ones included, spelled as the disk store spells them. Read back through
// cmdb.Reader it yields the rows the store's own InQuestion yields. It
// writes whatever the CMDB holds even while a cmdb_down fault is on.
func (st *Store) WriteCMDB(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, cmdb.SQLiteSchema); err != nil {
		return fmt.Errorf("create CMDB tables: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("write CMDB: %w", err)
	}
	defer tx.Rollback()
	if err := st.writeCatalog(ctx, tx); err != nil {
		return err
	}
	if err := st.writePairRows(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("write CMDB: %w", err)
	}
	return nil
}

// writeCatalog fills vItem and SWDPackage.
func (st *Store) writeCatalog(ctx context.Context, tx *sql.Tx) error {
	vi := newBatchInsert(tx, `INSERT INTO vItem ([Guid], [Name]) VALUES `, 2)
	for _, s := range st.cat.Servers {
		if err := vi.add(ctx, s.Upper, string(s.Name)); err != nil {
			return fmt.Errorf("write vItem: %w", err)
		}
	}
	if err := vi.flush(ctx); err != nil {
		return fmt.Errorf("write vItem: %w", err)
	}
	pk := newBatchInsert(tx, `INSERT INTO SWDPackage ([PackageId], [Name], [Package Version], [_Latest]) VALUES `, 4)
	for _, p := range st.cat.Packages {
		if err := pk.add(ctx, p.Upper, p.Name, p.Version, 1); err != nil {
			return fmt.Errorf("write SWDPackage: %w", err)
		}
	}
	if err := pk.flush(ctx); err != nil {
		return fmt.Errorf("write SWDPackage: %w", err)
	}
	return nil
}

// writePairRows fills SWDPackageServer: one row per pair, then the bad
// rows.
func (st *Store) writePairRows(ctx context.Context, tx *sql.Tx) error {
	ps := newBatchInsert(tx, `INSERT INTO SWDPackageServer ([PkgSvrId], [PackageId], [Status], [Version], [Error]) VALUES `, 5)
	for s, info := range st.cat.Servers {
		for p, pkg := range st.cat.Packages {
			r, _ := st.Row(s, p)
			var errText any
			if r.TrustErr {
				errText = world.TrustText
			}
			if err := ps.add(ctx, info.Upper, pkg.Upper, string(r.Status), r.Version, errText); err != nil {
				return fmt.Errorf("write SWDPackageServer: %w", err)
			}
		}
		for _, id := range st.srv[s].bad {
			if err := ps.add(ctx, info.Upper, id, "Invalid", "", nil); err != nil {
				return fmt.Errorf("write SWDPackageServer: %w", err)
			}
		}
	}
	if err := ps.flush(ctx); err != nil {
		return fmt.Errorf("write SWDPackageServer: %w", err)
	}
	return nil
}

// batchInsert sends rows in multi-row INSERT statements: one statement
// per row would cost more than the rows themselves at millions of pairs.
type batchInsert struct {
	tx     *sql.Tx
	head   string
	width  int
	args   []any
	stmt   *sql.Stmt // prepared for a full batch
	holder string    // "(?, ?, ...)"
}

// batchRows is how many rows one INSERT carries (SQLite allows 32,766
// parameters).
const batchRows = 500

func newBatchInsert(tx *sql.Tx, head string, width int) *batchInsert {
	return &batchInsert{tx: tx, head: head, width: width,
		holder: "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"}
}

func (b *batchInsert) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) < batchRows*b.width {
		return nil
	}
	if b.stmt == nil {
		stmt, err := b.tx.PrepareContext(ctx, b.query(batchRows))
		if err != nil {
			return err
		}
		b.stmt = stmt
	}
	_, err := b.stmt.ExecContext(ctx, b.args...)
	b.args = b.args[:0]
	return err
}

func (b *batchInsert) flush(ctx context.Context) error {
	if b.stmt != nil {
		defer b.stmt.Close()
	}
	if len(b.args) == 0 {
		return nil
	}
	_, err := b.tx.ExecContext(ctx, b.query(len(b.args)/b.width), b.args...)
	b.args = b.args[:0]
	return err
}

func (b *batchInsert) query(rows int) string {
	return b.head + strings.TrimSuffix(strings.Repeat(b.holder+", ", rows), ", ")
}
