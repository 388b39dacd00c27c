package sim

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// MaxDiskPairs bounds the disk site: beyond it, use NewMemory.
const MaxDiskPairs = 200_000

// diskStore keeps a site in a folder laid out as on Windows (see doc.go
// and paths.go) with a SQLite CMDB. It reads what each operation needs
// from disk, under an OS file lock, so that a daemon and a CLI can share
// the folder.
type diskStore struct {
	dir     string
	realDir string   // dir with its symbolic links resolved
	root    *os.Root // every file operation goes through it
	cat     *world.Catalog
	inScope []bool
	check   func(layout.Op, string) error
	// escape refuses (and counts) an operation that a symbolic link
	// would lead out of the site folder.
	escape func(layout.Op, string) error
	tmpSeq int // names of temporary files
	lock   *flock.Flock
	db     *sql.DB
	ctx    context.Context // of the operation in progress
	tx     *sql.Tx         // its CMDB writes
	m      *world.Meta     // its bookkeeping
	loaded []byte          // site.json as the operation found it
	// creating is set while a new site is laid out, before its
	// site.json exists: files are written in place then.
	creating bool
}

var _ world.Store = (*diskStore)(nil)
var _ world.Store = (*memStore)(nil)

// Open opens the disk-backed site in dir, creating it from sc and seed
// when dir is missing or empty (lock files aside). An existing site is
// reused as it is: sc and seed are then ignored, and a mismatch is
// reported in Notes.
func Open(ctx context.Context, dir string, sc *scenario.Scenario, seed int64, opt Options) (*Site, error) {
	if opt.Clock == nil {
		return nil, errors.New("sim: Options.Clock is required")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open site: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open site: %w", err)
	}
	if onlyLocks(entries) {
		return create(ctx, dir, sc, seed, opt)
	}
	return reopen(ctx, dir, sc, seed, opt)
}

// onlyLocks reports whether a folder holds nothing but lock files (its
// own, or a daemon's leader lock kept beside the site).
func onlyLocks(entries []os.DirEntry) bool {
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".lock") {
			return false
		}
	}
	return true
}

func create(ctx context.Context, dir string, sc *scenario.Scenario, seed int64, opt Options) (*Site, error) {
	if sc != nil && sc.Servers*sc.Packages > MaxDiskPairs {
		return nil, fmt.Errorf("create site: %d pairs is more than the disk site's %d; use the memory site", sc.Servers*sc.Packages, MaxDiskPairs)
	}
	cat, m, ns, err := prepare(sc, seed, opt)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create site: %w", err)
	}
	s := newSite(cat, m, opt)
	st, err := openDisk(dir, cat, s.inScope, s.check, s.escaped)
	if err != nil {
		return nil, err
	}
	s.w.Store = st
	if err := st.writeHealthy(ctx, m, ns); err != nil {
		st.Close()
		return nil, fmt.Errorf("create site in %s: %w", dir, err)
	}
	if err := s.start(ctx, m.Epoch); err != nil {
		st.Close()
		return nil, fmt.Errorf("create site in %s: %w", dir, err)
	}
	return s, nil
}

func reopen(ctx context.Context, dir string, sc *scenario.Scenario, seed int64, opt Options) (*Site, error) {
	if _, err := os.Stat(filepath.Join(dir, layout.SiteFile)); err != nil {
		return nil, fmt.Errorf("open site: %s is not empty and holds no %s: not a simulated site (if a creation was cut short, remove the folder)", dir, layout.SiteFile)
	}
	st, err := openDisk(dir, nil, nil, func(op layout.Op, rel string) error { return layout.Check(op, rel) }, layout.Escaped)
	if err != nil {
		return nil, err
	}
	m, err := st.Begin(ctx)
	if err == nil {
		err = st.End(m)
	}
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("open site %s: %w", dir, err)
	}
	s := newSite(st.cat, m, opt)
	st.inScope, st.check, st.escape = s.inScope, s.check, s.escaped
	s.w.Store = st
	if sc != nil && (sc.Name != m.Scenario || seed != m.Seed) {
		s.notes = append(s.notes, fmt.Sprintf("site %s was created from scenario %q seed %d; scenario %q seed %d ignored",
			dir, m.Scenario, m.Seed, sc.Name, seed))
	}
	if err := s.start(ctx, time.Time{}); err != nil {
		st.Close()
		return nil, fmt.Errorf("open site %s: %w", dir, err)
	}
	return s, nil
}

// openDisk opens the root, the lock file and the CMDB of a site folder.
// The lock and the CMDB are opened by path (flock and SQLite need one):
// neither may be a symbolic link that leads out of the folder.
func openDisk(dir string, cat *world.Catalog, inScope []bool, check, escape func(layout.Op, string) error) (*diskStore, error) {
	st := &diskStore{dir: dir, cat: cat, inScope: inScope, check: check, escape: escape}
	var err error
	if st.realDir, err = filepath.EvalSymlinks(dir); err != nil {
		return nil, fmt.Errorf("open site: %w", err)
	}
	if st.root, err = os.OpenRoot(dir); err != nil {
		return nil, fmt.Errorf("open site: %w", err)
	}
	lockPath, dbPath, err := st.byPath(layout.LockFile, layout.CMDBFile)
	if err != nil {
		st.root.Close()
		return nil, err
	}
	st.lock = flock.New(lockPath)
	if st.db, err = openDB(dbPath); err != nil {
		st.lock.Close()
		st.root.Close()
		return nil, err
	}
	return st, nil
}

// byPath returns the absolute paths of the lock file and the CMDB, once
// checked.
func (st *diskStore) byPath(lock, db string) (string, string, error) {
	var out [2]string
	for i, rel := range []string{lock, db} {
		if _, err := st.local(layout.Write, rel); err != nil {
			return "", "", err
		}
		if st.escapes(rel) {
			return "", "", st.escape(layout.Write, rel)
		}
		out[i] = filepath.Join(st.dir, filepath.FromSlash(rel))
	}
	return out[0], out[1], nil
}

func (st *diskStore) Begin(ctx context.Context) (*world.Meta, error) {
	ok, err := st.lock.TryLockContext(ctx, 5*time.Millisecond)
	if err != nil || !ok {
		return nil, fmt.Errorf("lock site: %w", errors.Join(err, ctx.Err()))
	}
	st.ctx = ctx
	data, found, err := st.read(layout.SiteFile)
	if err == nil && !found {
		err = fmt.Errorf("%s: missing", layout.SiteFile)
	}
	if err == nil {
		var cat *world.Catalog
		cat, st.m, err = decodeSite(data, st.cat)
		st.cat = cat
	}
	if err != nil {
		st.lock.Unlock()
		return nil, err
	}
	st.loaded = data
	return st.m, nil
}

func (st *diskStore) End(m *world.Meta) error {
	defer st.lock.Unlock()
	if err := st.flush(); err != nil {
		return err
	}
	data := encodeSite(st.cat, m)
	if bytes.Equal(data, st.loaded) {
		return nil
	}
	return st.write(layout.SiteFile, data)
}

func (st *diskStore) Close() error {
	if st.tx != nil {
		st.tx.Rollback()
		st.tx = nil
	}
	return errors.Join(st.db.Close(), st.lock.Close(), st.root.Close())
}

// writeHealthy lays out a healthy site: the CMDB, the NS files, every
// server's files; site.json last, since it marks the site complete.
func (st *diskStore) writeHealthy(ctx context.Context, m *world.Meta, ns world.NSSetting) error {
	ok, err := st.lock.TryLockContext(ctx, 5*time.Millisecond)
	if err != nil || !ok {
		return fmt.Errorf("lock site: %w", errors.Join(err, ctx.Err()))
	}
	defer st.lock.Unlock()
	st.ctx, st.m = ctx, m
	st.creating = true
	defer func() { st.creating = false }()
	if err := st.createTables(ctx); err != nil {
		return err
	}
	if err := st.PutNS(ns); err != nil {
		return err
	}
	for p, info := range st.cat.Packages {
		if err := st.PutNSSnapshot(p, world.FileVer{Present: true, Version: info.Version}); err != nil {
			return err
		}
	}
	acl := world.DefaultACL(ns.Cred)
	for s := range st.cat.Servers {
		if err := st.writeHealthyServer(s, world.AgentRec{Applied: ns.Cred, Received: ns.Version, FullControl: acl}); err != nil {
			return err
		}
	}
	st.creating = false
	return st.write(layout.SiteFile, encodeSite(st.cat, m))
}

func (st *diskStore) writeHealthyServer(s int, a world.AgentRec) error {
	if err := st.PutAgent(s, a); err != nil {
		return err
	}
	if _, err := st.appendLines(layout.AgentLog(string(st.cat.Servers[s].Name)), nil); err != nil {
		return err
	}
	for p, info := range st.cat.Packages {
		if err := st.PutSnapshot(s, p, world.FileVer{Present: true, Version: info.Version}); err != nil {
			return err
		}
		if err := st.PutStatusFile(s, p, world.StatusFile{Present: true, Status: vocab.Ready, Version: info.Version}); err != nil {
			return err
		}
	}
	return nil
}
