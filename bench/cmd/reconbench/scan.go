package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/itms-tools/reconciler/bench/internal/estate"
	"github.com/itms-tools/reconciler/cmdb"
)

// runScan times cmdb.KBQuery, the KB's own query, over an estate's CMDB:
// every row scanned through database/sql into strings and dropped. It is
// the bare cost of reading the data, against which the pass is compared.
func runScan(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("scan")
	dir := fs.String("estate", "", "estate folder (required)")
	runs := fs.Int("runs", 1, "times to run the query; the median is reported")
	cacheMB := fs.Int("cache-mb", 0, "SQLite page cache of the connection, in MiB (0: SQLite's default, 2 MiB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("scan: --estate is required")
	}
	db, err := cmdb.Open(estate.DSN(*dir, *cacheMB))
	if err != nil {
		return err
	}
	defer db.Close()
	var secs, cpu []float64
	rows := 0
	for range max(*runs, 1) {
		start, cpu0 := time.Now(), cpuSeconds()
		n, err := scanKB(ctx, db)
		if err != nil {
			return err
		}
		secs = append(secs, time.Since(start).Seconds())
		cpu = append(cpu, cpuSeconds()-cpu0)
		rows = n
	}
	return writeJSON(stdout, map[string]any{"seconds": median(secs), "runs": secs, "cpu_seconds": median(cpu), "rows": rows})
}

func scanKB(ctx context.Context, db *sql.DB) (n int, err error) {
	rows, err := db.QueryContext(ctx, cmdb.KBQuery)
	if err != nil {
		return 0, fmt.Errorf("KB query: %w", err)
	}
	defer rows.Close()
	var server, name, status, version, reported, id string
	for rows.Next() {
		if err := rows.Scan(&server, &name, &status, &version, &reported, &id); err != nil {
			return 0, fmt.Errorf("KB query: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("KB query: %w", err)
	}
	return n, rows.Close()
}
