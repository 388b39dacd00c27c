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
	cat     *catalog
	inScope []bool
	check   func(fileOp, string) error
	lock    *flock.Flock
	db      *sql.DB
	ctx     context.Context // of the operation in progress
	tx      *sql.Tx         // its CMDB writes
	m       *meta           // its bookkeeping
	loaded  []byte          // site.json as the operation found it
	// creating is set while a new site is laid out, before its
	// site.json exists: files are written in place then.
	creating bool
}

var _ store = (*diskStore)(nil)
var _ store = (*memStore)(nil)

// Open opens the disk-backed site in dir, creating it from sc and seed
// when dir is missing or empty (lock files aside). An existing site is
// reused as it is: sc and seed are then ignored, and a mismatch is
// reported in Notes.
func Open(ctx context.Context, dir string, sc *Scenario, seed int64, opt Options) (*Site, error) {
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

func create(ctx context.Context, dir string, sc *Scenario, seed int64, opt Options) (*Site, error) {
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
	st, err := openDisk(dir, cat, s.inScope, s.check)
	if err != nil {
		return nil, err
	}
	s.st = st
	if err := st.writeHealthy(ctx, m, ns); err != nil {
		st.close()
		return nil, fmt.Errorf("create site in %s: %w", dir, err)
	}
	if err := s.start(ctx, m.Epoch); err != nil {
		st.close()
		return nil, fmt.Errorf("create site in %s: %w", dir, err)
	}
	return s, nil
}

func reopen(ctx context.Context, dir string, sc *Scenario, seed int64, opt Options) (*Site, error) {
	if _, err := os.Stat(filepath.Join(dir, siteFile)); err != nil {
		return nil, fmt.Errorf("open site: %s is not empty and holds no %s: not a simulated site (if a creation was cut short, remove the folder)", dir, siteFile)
	}
	st, err := openDisk(dir, nil, nil, func(op fileOp, rel string) error { return checkPath(op, rel) })
	if err != nil {
		return nil, err
	}
	m, err := st.begin(ctx)
	if err == nil {
		err = st.end(m)
	}
	if err != nil {
		st.close()
		return nil, fmt.Errorf("open site %s: %w", dir, err)
	}
	s := newSite(st.cat, m, opt)
	st.inScope, st.check = s.inScope, s.check
	s.st = st
	if sc != nil && (sc.Name != m.Scenario || seed != m.Seed) {
		s.notes = append(s.notes, fmt.Sprintf("site %s was created from scenario %q seed %d; scenario %q seed %d ignored",
			dir, m.Scenario, m.Seed, sc.Name, seed))
	}
	if err := s.start(ctx, time.Time{}); err != nil {
		st.close()
		return nil, fmt.Errorf("open site %s: %w", dir, err)
	}
	return s, nil
}

// openDisk opens the lock file and the CMDB of a site folder.
func openDisk(dir string, cat *catalog, inScope []bool, check func(fileOp, string) error) (*diskStore, error) {
	st := &diskStore{dir: dir, cat: cat, inScope: inScope, check: check}
	lockPath, err := st.abs(opWrite, lockFile)
	if err != nil {
		return nil, err
	}
	st.lock = flock.New(lockPath)
	dbPath, err := st.abs(opWrite, cmdbFile)
	if err != nil {
		return nil, err
	}
	if st.db, err = openDB(dbPath); err != nil {
		st.lock.Close()
		return nil, err
	}
	return st, nil
}

func (st *diskStore) begin(ctx context.Context) (*meta, error) {
	ok, err := st.lock.TryLockContext(ctx, 5*time.Millisecond)
	if err != nil || !ok {
		return nil, fmt.Errorf("lock site: %w", errors.Join(err, ctx.Err()))
	}
	st.ctx = ctx
	data, found, err := st.read(siteFile)
	if err == nil && !found {
		err = fmt.Errorf("%s: missing", siteFile)
	}
	if err == nil {
		var cat *catalog
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

func (st *diskStore) end(m *meta) error {
	defer st.lock.Unlock()
	if err := st.flush(); err != nil {
		return err
	}
	data := encodeSite(st.cat, m)
	if bytes.Equal(data, st.loaded) {
		return nil
	}
	return st.write(siteFile, data)
}

func (st *diskStore) close() error {
	if st.tx != nil {
		st.tx.Rollback()
		st.tx = nil
	}
	return errors.Join(st.db.Close(), st.lock.Close())
}

// writeHealthy lays out a healthy site: the CMDB, the NS files, every
// server's files; site.json last, since it marks the site complete.
func (st *diskStore) writeHealthy(ctx context.Context, m *meta, ns nsSetting) error {
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
	if err := st.putNS(ns); err != nil {
		return err
	}
	for p, info := range st.cat.packages {
		if err := st.putNSSnapshot(p, fileVer{true, info.version}); err != nil {
			return err
		}
	}
	acl := defaultACL(ns.Cred)
	for s := range st.cat.servers {
		if err := st.writeHealthyServer(s, agentRec{Applied: ns.Cred, Received: ns.Version, FullControl: acl}); err != nil {
			return err
		}
	}
	st.creating = false
	return st.write(siteFile, encodeSite(st.cat, m))
}

func (st *diskStore) writeHealthyServer(s int, a agentRec) error {
	if err := st.putAgent(s, a); err != nil {
		return err
	}
	if _, err := st.appendLines(pathAgentLog(string(st.cat.servers[s].name)), nil); err != nil {
		return err
	}
	for p, info := range st.cat.packages {
		if err := st.putSnapshot(s, p, fileVer{true, info.version}); err != nil {
			return err
		}
		if err := st.putStatusFile(s, p, statusFile{true, vocab.Ready, info.version}); err != nil {
			return err
		}
	}
	return nil
}
