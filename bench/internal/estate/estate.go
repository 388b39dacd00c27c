package estate

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

// Files of an estate's folder.
const (
	ScenarioFile = "scenario.json"
	CMDBFile     = "cmdb.sqlite"
	MetaFile     = "meta.json"
)

// Meta describes a generated estate; it is written last, so a folder with
// it is complete.
type Meta struct {
	Servers  int     `json:"servers"`
	Packages int     `json:"packages"`
	Pairs    int     `json:"pairs"`
	Share    float64 `json:"not_ready_share"`
	PerPkg   float64 `json:"per_package_share"`
	Seed     int64   `json:"seed"`
	// NotReady counts the pairs not Ready at the package version (bad rows
	// aside); InQuestion the rows the production query yields.
	NotReady   int `json:"not_ready"`
	InQuestion int `json:"in_question"`
}

// Dir is an estate's folder under the cache.
func Dir(cache string, s Spec) string { return filepath.Join(cache, s.Name()) }

// Ensure generates the estate in Dir(cache, s) unless it is there already,
// from the same scenario, and returns its Meta.
func Ensure(ctx context.Context, cache string, s Spec) (Meta, error) {
	dir := Dir(cache, s)
	want, err := ScenarioJSON(s)
	if err != nil {
		return Meta{}, err
	}
	have, err := os.ReadFile(filepath.Join(dir, ScenarioFile))
	if m, merr := ReadMeta(dir); merr == nil && err == nil && bytes.Equal(have, want) {
		return m, nil
	}
	return Generate(ctx, dir, s)
}

// ReadMeta reads a generated estate's Meta.
func ReadMeta(dir string) (Meta, error) {
	var m Meta
	data, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%s: %w", MetaFile, err)
	}
	return m, nil
}

// Generate writes the estate of s into dir (replacing what is there): its
// scenario, its CMDB written from the memory site, and its Meta once the
// CMDB's rows in question are checked against the site's.
func Generate(ctx context.Context, dir string, s Spec) (Meta, error) {
	js, err := ScenarioJSON(s)
	if err != nil {
		return Meta{}, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return Meta{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Meta{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, ScenarioFile), js, 0o644); err != nil {
		return Meta{}, err
	}
	site, err := Site(dir)
	if err != nil {
		return Meta{}, err
	}
	path := filepath.Join(dir, CMDBFile)
	if err := writeCMDB(ctx, site, path, s.NoStatusIndex); err != nil {
		return Meta{}, err
	}
	n, err := compareRows(ctx, site, path)
	if err != nil {
		return Meta{}, err
	}
	m := Meta{Servers: s.Servers, Packages: s.Packages, Pairs: s.Pairs(), Share: s.NotReady, PerPkg: s.PerPackage, Seed: s.Seed,
		NotReady: site.NotReady(), InQuestion: n}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Meta{}, err
	}
	return m, os.WriteFile(filepath.Join(dir, MetaFile), append(data, '\n'), 0o644)
}

// DSN opens an estate's CMDB read-only, with a page cache of cacheMB MiB
// (SQLite's default when 0).
func DSN(dir string, cacheMB int) string {
	dsn := "file:" + filepath.Join(dir, CMDBFile) + "?mode=ro"
	if cacheMB > 0 {
		dsn += fmt.Sprintf("&_pragma=cache_size(-%d)", cacheMB*1024)
	}
	return dsn
}

// Site builds the memory site of the estate in dir, at Epoch.
func Site(dir string) (*sim.Site, error) {
	sc, err := scenario.Load(filepath.Join(dir, ScenarioFile))
	if err != nil {
		return nil, err
	}
	return sim.NewMemory(sc, sc.Seed, sim.Options{Clock: clock.NewFake(Epoch)})
}

// writeCMDB writes the site's CMDB into a new SQLite file, quickly: no
// journal while it is written, since a cut-short file is never used (Meta
// comes last). No ANALYZE: the simulated site's CMDB has no statistics
// either, and with them SQLite runs the KB query as 2M primary-key
// lookups (vItem x SWDPackage x SWDPackageServer), 8x slower than its
// plain scan, which would flatter every ratio to it.
//
// Without the status index (noIndex) the file is the vendor's schema as
// it may ship: the index is dropped and the file vacuumed, so that the
// table's pages are laid out as if it had never been there.
func writeCMDB(ctx context.Context, site *sim.Site, path string, noIndex bool) error {
	db, err := cmdb.Open("file:" + path + "?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := site.WriteCMDB(ctx, db); err != nil {
		return err
	}
	if noIndex {
		if _, err := db.ExecContext(ctx, "DROP INDEX IX_SWDPackageServer_Status; VACUUM"); err != nil {
			return fmt.Errorf("drop the status index: %w", err)
		}
	}
	return db.Close()
}

// compareRows reads the rows in question from the file with the
// production reader and checks they are the site's own, and returns how
// many there are.
func compareRows(ctx context.Context, site *sim.Site, path string) (int, error) {
	db, err := cmdb.Open(path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	got, err := collect(ctx, &cmdb.Reader{DB: db})
	if err != nil {
		return 0, fmt.Errorf("read CMDB file: %w", err)
	}
	want, err := collect(ctx, site)
	if err != nil {
		return 0, fmt.Errorf("read memory site: %w", err)
	}
	if !slices.Equal(got, want) {
		return 0, fmt.Errorf("CMDB file yields %d rows in question, the memory site %d: %w", len(got), len(want), errMismatch)
	}
	return len(got), nil
}

var errMismatch = errors.New("the CMDB file does not match the simulated site")

// collect reads and sorts every row in question.
func collect(ctx context.Context, c observed.CMDB) ([]observed.RawRow, error) {
	var out []observed.RawRow
	err := c.InQuestion(ctx, func(r observed.RawRow) error {
		out = append(out, r)
		return nil
	})
	slices.SortFunc(out, func(a, b observed.RawRow) int {
		return cmp.Or(cmp.Compare(a.ServerID, b.ServerID), cmp.Compare(a.PackageID, b.PackageID))
	})
	return out, err
}
