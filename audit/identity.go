package audit

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/itms-tools/reconciler/leader"
)

// ErrIdentity is wrapped by the errors that say the journal this process
// holds is no longer the one at its path, or no longer holds what this
// process wrote: the live file deleted, replaced, truncated or appended to
// by someone else, its lock file replaced and taken by another process,
// or records lost after a failed sync. The journal writes nothing more;
// close it and Open it again (which verifies the file and compares it
// with its anchor).
var ErrIdentity = errors.New("audit journal is not the file this process holds")

// errLockMoved is the one identity fault Check can repair: the lock file
// was deleted or replaced while the live file is still ours.
var errLockMoved = fmt.Errorf("%w: its lock file was deleted or replaced", ErrIdentity)

// Health is the journal's condition, for /healthz, /readyz, status and
// metrics.
type Health struct {
	// OK is false from a failed write, sync or identity check until a
	// later append (or Check's reopen) succeeds.
	OK bool `json:"ok"`
	// Error is the last failure while not OK.
	Error string `json:"error,omitempty"`
	// Since is when OK last changed.
	Since time.Time `json:"since,omitzero"`
	// Failures counts write, sync, identity and reopen failures since Open.
	Failures int64 `json:"failures"`
}

// Health returns the journal's condition.
func (j *Journal) Health() Health {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.health
}

func (j *Journal) failed(err error) {
	if j.health.OK {
		j.health.Since = j.clock.Now()
		j.log.Error("audit journal cannot be written: nothing is acted on until it can", "error", err)
	}
	j.health.OK, j.health.Error = false, err.Error()
	j.health.Failures++
}

func (j *Journal) succeeded() {
	if !j.health.OK {
		j.health.Since = j.clock.Now()
		j.log.Info("audit journal writable again")
	}
	j.health.OK, j.health.Error = true, ""
}

// checkIdentity returns an error wrapping ErrIdentity when the lock file
// or the live file at their paths are not the files this journal holds,
// or when the live file's size is not what this journal wrote.
func (j *Journal) checkIdentity() error {
	if err := leader.SameFile(j.locks.file, lockPath(j.path)); err != nil {
		return fmt.Errorf("%w (%v)", errLockMoved, err)
	}
	held, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("stat journal: %w", err)
	}
	now, err := os.Stat(j.path)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %s is gone (%v)", ErrIdentity, j.path, err)
	case !os.SameFile(held, now):
		return fmt.Errorf("%w: %s was replaced by another file", ErrIdentity, j.path)
	case held.Size() < j.size:
		return fmt.Errorf("%w: %s was truncated from %d to %d bytes by another process", ErrIdentity, j.path, j.size, held.Size())
	case held.Size() > j.size:
		return fmt.Errorf("%w: %s grew from %d to %d bytes written by another process", ErrIdentity, j.path, j.size, held.Size())
	}
	return nil
}

// Check reports whether the journal may be written, and repairs what it
// safely can. Call it before acting (at every pass). It returns nil when
// the lock file and live file are still this journal's and the last write
// left the file in a known state. After a failed sync it first reopens
// the file: reads and verifies it again, checks that it still holds every
// record this journal wrote, cuts a torn tail, records the intents left
// open and a recovered record, and only then reports it usable. When the
// lock file was deleted or replaced but no other process took it, Check
// takes the lock at the path again. Errors wrapping ErrIdentity cannot be
// repaired in place: close the journal and open it again.
func (j *Journal) Check() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil && j.err == nil {
		return ErrClosed
	}
	if j.err == nil && j.f != nil {
		j.err = j.checkIdentity()
	}
	if j.err == nil {
		return nil
	}
	if err := j.repairLocked(); err != nil {
		j.failed(err)
		return err
	}
	j.succeeded()
	return nil
}

// repairLocked tries to clear j.err.
func (j *Journal) repairLocked() error {
	switch {
	case errors.Is(j.err, errLockMoved):
		return j.retakeLock()
	case errors.Is(j.err, ErrIdentity):
		return j.err
	}
	return j.reopen()
}

// retakeLock locks a new lock file at the path after the old one was
// deleted or replaced. If another process holds the new one, the journal
// is no longer this process's to write.
func (j *Journal) retakeLock() error {
	lk, err := lockFile(j.path)
	if err != nil {
		return fmt.Errorf("%w: its lock file was replaced and cannot be taken again: %w", ErrIdentity, err)
	}
	old := j.locks.file
	j.locks.file, j.err = lk, nil
	if err := j.checkIdentity(); err != nil {
		j.err = err
		return err
	}
	old.Close()
	j.log.Warn("audit journal: its lock file was deleted or replaced while held; locked the new one",
		"lock", lockPath(j.path))
	return nil
}

// reopen closes the append handle after a failed write or sync, whose
// effect on the file is unknown, and opens the file again as Open does,
// expecting every record this journal wrote to be there.
func (j *Journal) reopen() error {
	cause := j.err
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
	expect := j.durable
	expect.batched = j.seq - j.durable.seq
	j.err = nil
	if err := j.open(&expect); err != nil {
		if !errors.Is(err, ErrIdentity) {
			err = fmt.Errorf("reopen journal after %v: %w", cause, err)
		}
		if j.f != nil {
			j.f.Close()
			j.f = nil
		}
		j.err = err // j.seq and j.head are the last records known to be in the file
		return err
	}
	d := map[string]any{"reopened_after": cause.Error(), "head_seq": j.seq, "last_acknowledged_seq": expect.seq}
	j.log.Warn("audit journal reopened after a failure", "cause", cause, "head_seq", j.seq)
	return j.appendRecovered(Record{Type: TypeRecovered, Detail: JSON(d)})
}

// checkExpected checks, at a reopen, that the file still holds the last
// record this journal synced, and at most the batched records written
// after it and the one record whose sync failed.
func checkExpected(s scanResult, hashAt string, want chainPos) error {
	switch {
	case s.seq < want.seq:
		return fmt.Errorf("%w: the file ends at seq %d but seq %d was written and synced: records were lost", ErrIdentity, s.seq, want.seq)
	case want.seq > 0 && hashAt != want.head:
		return fmt.Errorf("%w: seq %d in the file is not the record this process wrote", ErrIdentity, want.seq)
	case s.seq > want.seq+want.batched+1:
		return fmt.Errorf("%w: the file holds %d records after seq %d that this process did not write", ErrIdentity, s.seq-want.seq-want.batched, want.seq+want.batched)
	}
	return nil
}
