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
	which := fs.String("query", "kb", "kb: the KB query as written; floor: its rows read through the status index (floorQuery)")
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
	query, ok := map[string]string{"kb": cmdb.KBQuery, "floor": floorQuery}[*which]
	if !ok {
		return fmt.Errorf("scan: --query %q: kb or floor", *which)
	}
	var secs, cpu []float64
	rows := 0
	for range max(*runs, 1) {
		start, cpu0 := time.Now(), cpuSeconds()
		n, err := scanKB(ctx, db, query)
		if err != nil {
			return err
		}
		secs = append(secs, time.Since(start).Seconds())
		cpu = append(cpu, cpuSeconds()-cpu0)
		rows = n
	}
	return writeJSON(stdout, map[string]any{"seconds": median(secs), "runs": secs, "cpu_seconds": median(cpu), "rows": rows})
}

// floorQuery reads the KB query's rows with the index the pass may use:
// the same columns, joins and order, its != written as two ranges of
// IX_SWDPackageServer_Status. It is the floor of any observe step that
// reads the rows not Ready (pass_over_floor).
const floorQuery = `SELECT * FROM (
SELECT vi.[Name] AS ServerName, pack.[Name] AS PackageName, ps.[Status] AS Status,
       pack.[Package Version] AS PackageVersion, ps.Version AS Version, ps.[PackageId] AS PackageId
FROM SWDPackageServer ps
JOIN vItem vi ON vi.[Guid] = ps.[PkgSvrId]
JOIN SWDPackage pack ON pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
WHERE ps.[Status] < 'Ready'
UNION ALL
SELECT vi.[Name], pack.[Name], ps.[Status], pack.[Package Version], ps.Version, ps.[PackageId]
FROM SWDPackageServer ps
JOIN vItem vi ON vi.[Guid] = ps.[PkgSvrId]
JOIN SWDPackage pack ON pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
WHERE ps.[Status] > 'Ready')
ORDER BY ServerName, Status`

func scanKB(ctx context.Context, db *sql.DB, query string) (n int, err error) {
	rows, err := db.QueryContext(ctx, query)
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
