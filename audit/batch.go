package audit

import "fmt"

// AppendBatched appends r as Append does, but when r gates nothing it does
// not wait for the disk: its line is written at once (a process that dies
// afterwards keeps it) and its fsync is shared with the next record that
// needs one, or with Sync, Checkpoint or Close, which make every batched
// record before them durable with a single fsync. A crash of the machine
// (power, kernel) may lose the batched records written since the last
// sync; it never loses a record appended with Append, nor any record
// before it.
//
// Records that gate something are synced before AppendBatched returns,
// as by Append, whatever the caller asks: an intent (its action runs only
// once the intent is durable), the outcome of an action that ran (applied,
// failed), and every type but those Batchable lists. Forward receives a
// batched record once it is durable.
func (j *Journal) AppendBatched(r Record) (Record, error) { return j.appendRecord(r, !Batchable(r)) }

// Batchable reports whether r gates nothing, so that AppendBatched may
// leave its fsync to a later record: an outcome of an action that did not
// run (deferred, skipped: dry-run, held, shed), a pass's start or end, a
// note, an observation.
func Batchable(r Record) bool {
	switch r.Type {
	case TypeOutcome:
		return r.Outcome == Deferred || r.Outcome == Skipped
	case TypePassStart, TypePassEnd, TypeNote, TypeObservation:
		return true
	}
	return false
}

// Sync makes every batched record durable, with one fsync; it does
// nothing when none is waiting. After a failed sync the journal refuses
// further appends until Check has reopened it, as after a failed Append.
func (j *Journal) Sync() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.syncLocked()
}

func (j *Journal) syncLocked() error {
	if !j.dirty {
		return nil
	}
	if j.err != nil {
		return fmt.Errorf("audit sync: journal unusable after earlier failure: %w", j.err)
	}
	if j.f == nil {
		return ErrClosed
	}
	if err := j.f.Sync(); err != nil {
		j.err = fmt.Errorf("sync: %w", err)
		j.failed(j.err)
		return fmt.Errorf("audit sync: %w", j.err)
	}
	j.dirty, j.durable = false, chainPos{seq: j.seq, head: j.head}
	if j.forward != nil {
		for _, u := range j.unsynced {
			j.forward(u)
		}
	}
	j.unsynced = nil
	return nil
}

// AppendUnsynced appends r, of any type, without waiting for the disk:
// its fsync is shared with the next synced record or Sync. It is for a
// writer that syncs before anything acts on r, such as an executor that
// writes the intents of a batch of actions, syncs once, and only then
// starts them; AppendBatched stays the choice of every other writer.
func (j *Journal) AppendUnsynced(r Record) (Record, error) { return j.appendRecord(r, false) }
