package disk

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
	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// MaxPairs bounds a disk site: beyond it, use the memory store.
const MaxPairs = 200_000

// Store keeps a site in a folder laid out as on Windows (see the package
// comment and package layout) with a SQLite CMDB. It reads what each
// operation needs from disk, under an OS file lock, so that a daemon and a
// CLI can share the folder. It implements world.Store.
type Store struct {
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

var _ world.Store = (*Store)(nil)

// Fresh reports whether dir can take a new site: it is missing, or holds
// nothing but lock files (its own, or a daemon's leader lock kept beside
// the site).
func Fresh(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".lock") {
			return false, nil
		}
	}
	return true, nil
}

// Guard is how a store refuses file operations, and counts them: both
// return an error wrapping layout.ErrUnsafePath.
type Guard struct {
	// Check refuses an operation outside the allowed set (layout.Check).
	Check func(layout.Op, string) error
	// Escape refuses an operation that a symbolic link would lead out of
	// the site folder (layout.Escaped).
	Escape func(layout.Op, string) error
}

// New opens the root, the lock file and the CMDB of a site folder: the
// folder of a site being created (cat is its catalog; WriteHealthy lays
// it out), or of an existing one (cat is nil; the first Begin loads the
// catalog from site.json). inScope selects the servers NotReady counts.
// The lock and the CMDB are opened by path (flock and SQLite need one):
// neither may be a symbolic link that leads out of the folder.
func New(dir string, cat *world.Catalog, inScope []bool, g Guard) (*Store, error) {
	st := &Store{dir: dir, cat: cat, inScope: inScope, check: g.Check, escape: g.Escape}
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
func (st *Store) byPath(lock, db string) (string, string, error) {
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

// Begin implements world.Store.
func (st *Store) Begin(ctx context.Context) (*world.Meta, error) {
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

// End implements world.Store.
func (st *Store) End(m *world.Meta) error {
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

// Close implements world.Store.
func (st *Store) Close() error {
	if st.tx != nil {
		st.tx.Rollback()
		st.tx = nil
	}
	return errors.Join(st.db.Close(), st.lock.Close(), st.root.Close())
}

// Catalog is the site's catalog: the one New was given, or the one the
// first Begin loaded.
func (st *Store) Catalog() *world.Catalog { return st.cat }

// Attach sets, once an existing site's catalog is loaded, the scope and
// the guard its operations use from now on.
func (st *Store) Attach(inScope []bool, g Guard) {
	st.inScope, st.check, st.escape = inScope, g.Check, g.Escape
}

// WriteHealthy lays out a healthy site: the CMDB, the NS files, every
// server's files; site.json last, since it marks the site complete.
func (st *Store) WriteHealthy(ctx context.Context, m *world.Meta, ns world.NSSetting) error {
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

func (st *Store) writeHealthyServer(s int, a world.AgentRec) error {
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
