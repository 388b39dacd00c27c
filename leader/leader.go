// Package leader makes sure two controllers never act on one site at once.
// A Lock is taken by the controller that may act (the leader); the others
// (followers) observe and serve status but apply nothing. On the simulated
// site the lock is an OS file lock beside the site; on SQL Server it is
// sp_getapplock in a dedicated session (package site/itms).
//
// It owns the lock interface and the file lock; it decides nothing else.
package leader

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/gofrs/flock"
)

// Lock is held by the one controller allowed to act.
type Lock interface {
	// TryAcquire takes the lock without waiting; false when another
	// process holds it.
	TryAcquire(ctx context.Context) (bool, error)
	// Check returns an error when a lock once acquired is no longer held
	// (for example its SQL session dropped).
	Check(ctx context.Context) error
	// Release gives the lock up; releasing a lock not held is a no-op.
	Release() error
	// String names the lock for logs and status.
	String() string
}

// ErrLost is returned by Check when leadership was lost.
var ErrLost = errors.New("leader lock lost")

// File is an OS file lock (flock on Unix, LockFileEx on Windows). The lock
// lives as long as the process holds the file open, so a crash releases it.
//
// A lock on a file is a lock on that file, not on its name: if the file is
// deleted or replaced while held (someone removing a "stale" lock), a
// second process can create a new file at the path and lock it. So Check
// also compares the locked file with the one now at the path, and
// reports ErrLost when they differ; TryAcquire then locks the file at the
// path afresh, and fails if another process holds it.
type File struct {
	path string
	fl   *flock.Flock
	held bool
}

var _ Lock = (*File)(nil)

// NewFile returns a lock on path (created if missing).
func NewFile(path string) *File { return &File{path: path, fl: flock.New(path)} }

// TryAcquire takes the lock if free.
func (f *File) TryAcquire(context.Context) (bool, error) {
	if f.held {
		if SameFile(f.fl, f.path) == nil {
			return true, nil
		}
		f.drop()
	}
	ok, err := f.fl.TryLock()
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", f.path, err)
	}
	f.held = ok
	if ok {
		// The path may have been replaced between open and lock.
		if err := SameFile(f.fl, f.path); err != nil {
			f.drop()
			return false, err
		}
	}
	return ok, nil
}

// drop lets go of a lock on a file no longer at the path, and prepares a
// fresh one on the path.
func (f *File) drop() {
	_ = f.fl.Close()
	f.fl = flock.New(f.path)
	f.held = false
}

// Check reports whether the lock is still held, on the file at its path.
func (f *File) Check(context.Context) error {
	if !f.held || !f.fl.Locked() {
		return ErrLost
	}
	if err := SameFile(f.fl, f.path); err != nil {
		return fmt.Errorf("%w: %w", ErrLost, err)
	}
	return nil
}

// Release unlocks.
func (f *File) Release() error {
	if !f.held {
		return nil
	}
	f.held = false
	if err := f.fl.Unlock(); err != nil {
		return fmt.Errorf("unlock %s: %w", f.path, err)
	}
	return nil
}

// String names the lock.
func (f *File) String() string { return "file lock " + f.path }

// ErrReplaced says a locked file is no longer the file at its path.
var ErrReplaced = errors.New("the locked file is no longer the one at its path (deleted or replaced)")

// SameFile returns nil when the file fl holds open is the file now at
// path, and an error wrapping ErrReplaced when it is not (the path is
// missing or names another file).
func SameFile(fl *flock.Flock, path string) error {
	held, err := fl.Stat()
	if err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	now, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("lock %s: %w: %w", path, ErrReplaced, err)
	}
	if !os.SameFile(held, now) {
		return fmt.Errorf("lock %s: %w", path, ErrReplaced)
	}
	return nil
}
