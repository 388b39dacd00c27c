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
		return true, nil
	}
	ok, err := f.fl.TryLock()
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", f.path, err)
	}
	f.held = ok
	return ok, nil
}

// Check reports whether the lock is still held.
func (f *File) Check(context.Context) error {
	if !f.held || !f.fl.Locked() {
		return ErrLost
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
