package audit

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gofrs/flock"

	"github.com/itms-tools/reconciler/leader"
)

// fileMode is the mode of a journal (and its lock file) on POSIX systems.
const fileMode fs.FileMode = 0o600

// File is what the journal needs of the handle it appends with. Options
// OpenFile supplies one; tests use it to inject faults (a full disk on
// Write, an I/O error on Sync).
type File interface {
	io.Writer
	Sync() error
	Stat() (fs.FileInfo, error)
	Close() error
}

// openAppend opens the live file for appending: the default OpenFile.
func openAppend(path string) (File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
}

// lockPath is the lock file beside a journal. A separate file is locked,
// not the journal itself, because on Windows a lock on the journal would
// also block the journal's own append handle.
func lockPath(path string) string { return path + ".lock" }

// LockPath is the lock file of the journal at path. It outlives the
// journal's processes: a lock file without its journal means the journal
// existed and is gone.
func LockPath(path string) string { return lockPath(path) }

// locks are the journal's exclusive locks: the lock file beside it, and on
// systems with advisory locks (not Windows) the live file itself, so that
// deleting the lock file while a process holds the journal does not let a
// second process in.
type locks struct {
	file *flock.Flock // path+".lock"
	live *flock.Flock // the live file; nil on Windows
}

// lockFile takes the lock file without waiting.
func lockFile(path string) (*flock.Flock, error) {
	lk := flock.New(lockPath(path), flock.SetPermissions(fileMode))
	if err := tryLock(lk, path); err != nil {
		return nil, err
	}
	return lk, nil
}

// lockLive takes the lock on the live file itself (not on Windows, where
// a lock would also block writes through the append handle).
func lockLive(path string) (*flock.Flock, error) {
	if runtime.GOOS == "windows" {
		return nil, nil
	}
	lk := flock.New(path, flock.SetFlag(os.O_RDONLY), flock.SetPermissions(fileMode))
	if err := tryLock(lk, path); err != nil {
		return nil, err
	}
	return lk, nil
}

func tryLock(lk *flock.Flock, path string) error {
	ok, err := lk.TryLock()
	if err != nil {
		return fmt.Errorf("lock journal: %w", err)
	}
	if !ok {
		return fmt.Errorf("journal %s (lock %s): %w", path, lk.Path(), ErrInUse)
	}
	// The path may have been replaced between open and lock.
	if err := leader.SameFile(lk, lk.Path()); err != nil {
		lk.Close()
		return fmt.Errorf("journal %s: %w", path, ErrInUse)
	}
	return nil
}

func (l *locks) close() error {
	var errs []error
	for _, lk := range []*flock.Flock{l.live, l.file} {
		if lk != nil {
			errs = append(errs, lk.Close())
		}
	}
	return errors.Join(errs...)
}

// prepare creates the journal with mode 0600 if it is missing, and checks
// an existing one: it must be a regular file, and a mode more permissive
// than 0600 is logged and narrowed.
func prepare(path string, log *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, fileMode)
	if err == nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("create journal: %w", err)
		}
		return syncDir(filepath.Dir(path))
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create journal: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("stat journal: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("journal %s is not a regular file (%s)", path, fi.Mode().Type())
	}
	if runtime.GOOS == "windows" || fi.Mode().Perm()&^fileMode == 0 {
		return nil
	}
	log.Warn("audit journal is readable or writable by others; narrowing to 0600",
		"path", path, "mode", fi.Mode().Perm().String())
	if err := os.Chmod(path, fileMode); err != nil {
		log.Warn("audit journal mode could not be narrowed", "path", path, "err", err)
	}
	return nil
}

// syncDir makes a new directory entry durable. Windows cannot open a
// directory for syncing and needs no such step.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync journal dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync journal dir: %w", err)
	}
	return nil
}

// repair cuts a torn tail or adds the missing newline of the last record,
// then syncs. It uses its own handle: an append-only handle cannot
// truncate on every system.
func repair(path string, s scanResult) error {
	if s.torn == 0 && !s.noNL {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("repair journal: %w", err)
	}
	defer f.Close()
	if err := f.Truncate(s.goodEnd); err != nil {
		return fmt.Errorf("repair journal: %w", err)
	}
	if s.noNL {
		if _, err := f.WriteAt([]byte{'\n'}, s.goodEnd); err != nil {
			return fmt.Errorf("repair journal: %w", err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("repair journal: %w", err)
	}
	return f.Close()
}
