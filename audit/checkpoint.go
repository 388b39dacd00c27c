package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Checkpoint is what the caller gives the journal at the end of each pass.
type Checkpoint struct {
	// Carry is the state that must outlive the records that set it (a
	// tripped breaker, an open reset cycle), as JSON: a rotation writes it
	// into the segment record that starts the new live file.
	Carry json.RawMessage
	// Needed is the oldest time a rolling window still counts records from
	// (the longest limit, the approval TTL): retention never removes a
	// segment holding a record at or after it.
	Needed time.Time
	// Rotation, when set, replaces the journal's rotation and retention
	// settings from now on (a reloaded policy).
	Rotation *Rotation
}

// Checkpoint ends a pass in the journal: it rotates the live file when the
// Rotation settings say so, removes the segments retention lets go, and
// writes a new anchor (with a key) for the head, to the anchor file and
// the Witness. It writes nothing when the journal is not writable. The
// batched records are synced first (AppendBatched).
func (j *Journal) Checkpoint(cp Checkpoint) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil || j.err != nil {
		return fmt.Errorf("audit checkpoint: journal not writable: %w", errors.Join(j.err, closedIf(j.f == nil && j.err == nil)))
	}
	if err := j.checkIdentity(); err != nil {
		j.err = err
		j.failed(err)
		return fmt.Errorf("audit checkpoint: %w", err)
	}
	if err := j.syncLocked(); err != nil {
		return fmt.Errorf("audit checkpoint: %w", err)
	}
	if cp.Rotation != nil {
		j.rot = *cp.Rotation
	}
	now := j.now()
	var errs []error
	if why, due := j.rotationDue(now); due {
		errs = append(errs, j.rotate(cp.Carry, why))
	}
	if j.err == nil {
		errs = append(errs, j.sweep(now, cp.Needed))
	}
	if j.err == nil {
		errs = append(errs, j.anchorLocked())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("audit checkpoint: %w", err)
	}
	return nil
}

func closedIf(closed bool) error {
	if closed {
		return ErrClosed
	}
	return nil
}
