package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/itms-tools/reconciler/crashpoint"
)

// Rotation says when the live file becomes a sealed segment and how long
// segments are kept. The zero value never rotates and keeps everything.
type Rotation struct {
	// Size rotates once the live file holds this many bytes; 0: not by size.
	Size int64
	// Age rotates once the live file's first record is this old; 0: not by age.
	Age time.Duration
	// RetainAge removes a segment once its last record is older; 0: not by age.
	RetainAge time.Duration
	// RetainSize removes the oldest segments while all of them together
	// hold more bytes; 0: not by size.
	RetainSize int64
}

// SegmentDetail is the Detail of a segment record, the first record of
// the live file after a rotation. Carry is the state that outlives the
// records that set it (a tripped breaker, an open reset cycle), as the
// caller of Checkpoint gave it, so that a reader of the journal from this
// record on knows it even after older segments are removed.
type SegmentDetail struct {
	Previous string `json:"previous"`
	FirstSeq int64  `json:"first_seq"`
	LastSeq  int64  `json:"last_seq"`
	// Latest is the latest time of any record in the previous segment,
	// which is not always its last (a clock set back): retention judges a
	// segment by it.
	Latest time.Time       `json:"latest"`
	Reason string          `json:"reason"`
	Carry  json.RawMessage `json:"carry,omitempty"`
}

// nextPath is where the next live file is written before it replaces the
// live file.
func nextPath(path string) string { return path + ".next" }

// tmpSuffix marks a segment being copied.
const tmpSuffix = ".tmp"

// step is a kill point of a rotation or sweep (crashpoint), and a hook
// for the tests of the default build, which stop there as a crash would.
func step(point string) {
	crashpoint.Hit(point)
	if stepHook != nil {
		stepHook(point)
	}
}

// stepHook is set by tests only.
var stepHook func(point string)

// rotationDue says whether the live file should be sealed now, and why.
// A live file holding nothing but its segment record never rotates.
func (j *Journal) rotationDue(now time.Time) (string, bool) {
	if j.first.Seq == 0 || j.first.Seq == j.seq && j.first.Type == TypeSegment {
		return "", false
	}
	if j.rot.Size > 0 && j.size >= j.rot.Size {
		return fmt.Sprintf("the live file reached %d bytes (rotate_size %d)", j.size, j.rot.Size), true
	}
	if j.rot.Age > 0 && now.Sub(j.first.Time) >= j.rot.Age {
		return fmt.Sprintf("the live file's first record is older than %s (rotate_age)", j.rot.Age), true
	}
	return "", false
}

// rotate seals the live file as a segment and starts a new live file whose
// first record (a segment record carrying carry) continues the chain. At
// no point is a record only in a file that is not yet durable under its
// final name: a crash leaves either the old live file (and maybe a copy of
// it, which Open removes) or the new live file and the sealed segment.
func (j *Journal) rotate(carry json.RawMessage, reason string) error {
	if err := j.closeOpenIntents(); err != nil {
		return err
	}
	seg := SegmentPath(j.path, j.first.Seq)
	if err := copyPrefix(j.path, seg+tmpSuffix, j.size); err != nil {
		os.Remove(seg + tmpSuffix)
		return fmt.Errorf("rotate: %w", err)
	}
	step(crashpoint.RotateCopied)
	if err := errors.Join(os.Rename(seg+tmpSuffix, seg), syncDir(filepath.Dir(j.path))); err != nil {
		os.Remove(seg + tmpSuffix)
		return fmt.Errorf("rotate: seal %s: %w", filepath.Base(seg), err)
	}
	step(crashpoint.RotateSealed)
	d := SegmentDetail{Previous: filepath.Base(seg), FirstSeq: j.first.Seq, LastSeq: j.seq, Latest: j.latest,
		Reason: reason, Carry: carry}
	rec, line, err := j.writeNext(Record{Type: TypeSegment, Detail: JSON(d)})
	if err != nil {
		os.Remove(seg)
		return fmt.Errorf("rotate: %w", err)
	}
	step(crashpoint.RotateNext)
	return j.switchLive(seg, rec, line)
}

// closeOpenIntents records, before their records are sealed away, the
// intents whose outcome could not be written: their pass has ended, so
// their fate is unknown to the journal.
func (j *Journal) closeOpenIntents() error {
	var open []Record
	for _, q := range j.intents {
		open = append(open, q...)
	}
	sort.Slice(open, func(a, b int) bool { return open[a].Seq < open[b].Seq })
	return j.recordIndeterminate(open, "intent without outcome when the journal rotated: the action may or may not have run; check the target")
}

// copyPrefix copies the first n bytes of src into a new file dst and
// syncs it.
func copyPrefix(src, dst string, n int64) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fileMode)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(out, in, n); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", filepath.Base(src), err)
	}
	return errors.Join(out.Sync(), out.Close())
}

// writeNext writes the next live file with r as its first record, synced,
// and returns r completed and its line.
func (j *Journal) writeNext(r Record) (Record, []byte, error) {
	r, err := j.complete(r)
	if err != nil {
		return Record{}, nil, err
	}
	r.Seq, r.Prev, r.Time = j.seq+1, j.head, j.now()
	line, hash, err := encode(r)
	if err != nil {
		return Record{}, nil, err
	}
	r.Hash = hash
	next := nextPath(j.path)
	f, err := os.OpenFile(next, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fileMode)
	if err != nil {
		return Record{}, nil, err
	}
	_, werr := f.Write(line)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(next)
		return Record{}, nil, fmt.Errorf("write %s: %w", filepath.Base(next), err)
	}
	return r, line, nil
}

// switchLive replaces the live file with the next one and appends to it
// from now on. The live file's own lock moves to the new file first.
func (j *Journal) switchLive(seg string, rec Record, line []byte) error {
	next := nextPath(j.path)
	lk, err := lockLive(next)
	if err != nil {
		os.Remove(next)
		os.Remove(seg)
		return fmt.Errorf("rotate: %w", err)
	}
	j.f.Close() // Windows renames over a file only when no handle is open
	j.f = nil
	if err := errors.Join(os.Rename(next, j.path), syncDir(filepath.Dir(j.path))); err != nil {
		closeLock(lk)
		os.Remove(next)
		os.Remove(seg)
		return errors.Join(fmt.Errorf("rotate: replace the live file: %w", err), j.reattach())
	}
	closeLock(j.locks.live)
	j.locks.live = lk
	step(crashpoint.RotateSwitched)
	f, err := j.openFile(j.path)
	if err != nil {
		j.err = fmt.Errorf("open the new live file: %w", err)
		j.failed(j.err)
		return fmt.Errorf("rotate: %w", j.err)
	}
	j.f, j.size, j.first, j.latest = f, 0, Record{}, time.Time{}
	j.log.Info("audit journal rotated", "segment", filepath.Base(seg), "last_seq", j.seq)
	j.appended(rec, int64(len(line)), true)
	return nil
}

// reattach reopens the append handle on the live file after a rotation
// that could not replace it.
func (j *Journal) reattach() error {
	f, err := j.openFile(j.path)
	if err != nil {
		j.err = fmt.Errorf("reopen the live file after a failed rotation: %w", err)
		j.failed(j.err)
		return j.err
	}
	j.f = f
	return nil
}

// finishRotation cleans up after a rotation that a crash interrupted,
// before Open reads the live file: the next live file that never replaced
// the live one, a segment copy never renamed, and a sealed copy of the
// live file (its records are all still in the live file).
func (j *Journal) finishRotation() error {
	dir, base := filepath.Split(j.path)
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("list journal folder: %w", err)
	}
	for _, e := range ents {
		n := e.Name()
		if n == base+".next" || strings.HasPrefix(n, base+segInfix) && strings.HasSuffix(n, segSuffix+tmpSuffix) {
			j.log.Warn("audit journal: removing what an interrupted rotation left", "file", n)
			if err := os.Remove(filepath.Join(dir, n)); err != nil {
				return fmt.Errorf("remove %s: %w", n, err)
			}
		}
	}
	return j.dropLiveCopy()
}

// dropLiveCopy removes the newest segment when it starts where the live
// file starts: a copy sealed by a rotation that never switched files.
func (j *Journal) dropLiveCopy() error {
	segs, err := listSegments(j.path)
	if err != nil || len(segs) == 0 {
		return err
	}
	first, ok, err := readFirst(j.path)
	if err != nil || !ok {
		return nil // no live file, or a torn one: nothing to compare with
	}
	newest := segs[len(segs)-1]
	if newest.first < first.Seq {
		return nil
	}
	j.log.Warn("audit journal: removing a segment that copies the live file (interrupted rotation)",
		"segment", filepath.Base(newest.path))
	if err := os.Remove(newest.path); err != nil {
		return fmt.Errorf("remove %s: %w", filepath.Base(newest.path), err)
	}
	return syncDir(filepath.Dir(j.path))
}

// liveStart is where the live file's chain starts: after the newest
// segment's last record, or at the beginning.
func (j *Journal) liveStart() (chainPos, error) {
	segs, err := listSegments(j.path)
	if err != nil || len(segs) == 0 {
		return chainPos{}, err
	}
	newest := segs[len(segs)-1]
	t, err := readTail(newest.path)
	if err != nil {
		return chainPos{}, &ChainError{Path: newest.path, Seq: newest.first, Problem: err.Error()}
	}
	return chainPos{seq: t.seq, head: t.hash}, nil
}

func closeLock(lk *flock.Flock) {
	if lk != nil {
		lk.Close()
	}
}
