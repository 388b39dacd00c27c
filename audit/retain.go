package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/crashpoint"
)

// RemovedSegment describes a segment that retention removed: enough for
// Verify to accept a chain that starts right after it.
type RemovedSegment struct {
	File     string    `json:"file"`
	FirstSeq int64     `json:"first_seq"`
	LastSeq  int64     `json:"last_seq"`
	LastHash string    `json:"last_hash"`
	LastTime time.Time `json:"last_time"`
	Bytes    int64     `json:"bytes"`
}

// RetentionDetail is the Detail of a retention record.
type RetentionDetail struct {
	Removed []RemovedSegment `json:"removed"`
	Reason  string           `json:"reason"`
}

// sweep removes the oldest segments that the retention settings let go,
// judged by their latest record (SegmentDetail.Latest), oldest first and
// without holes, never the newest (the live file's first
// record chains to it) and never one holding a record at or after needed
// (a rolling window still counts it). The removal is journaled before any
// file goes, so that a crash in between leaves files that the record
// already names, which the next sweep removes.
func (j *Journal) sweep(now, needed time.Time) error {
	if j.rot.RetainAge <= 0 && j.rot.RetainSize <= 0 {
		return nil
	}
	segs, err := listSegments(j.path)
	if err != nil || len(segs) <= 1 {
		return err
	}
	tails := make([]tailInfo, len(segs))
	var total int64
	for i, s := range segs {
		if tails[i], err = readTail(s.path); err != nil {
			return fmt.Errorf("retention: %w", err)
		}
		total += tails[i].size
	}
	for i := range segs[:len(segs)-1] {
		tails[i].time = latestOf(segs[i+1].path, tails[i].time)
	}
	var removed []RemovedSegment
	var why []string
	for i, s := range segs[:len(segs)-1] {
		t := tails[i]
		old := j.rot.RetainAge > 0 && now.Sub(t.time) > j.rot.RetainAge
		big := j.rot.RetainSize > 0 && total > j.rot.RetainSize
		if !old && !big || !t.time.Before(needed) {
			if (old || big) && !t.time.Before(needed) {
				j.log.Debug("audit retention keeps a segment a rolling window still needs",
					"segment", filepath.Base(s.path), "last_record", t.time, "needed_from", needed)
			}
			break
		}
		removed = append(removed, RemovedSegment{File: filepath.Base(s.path), FirstSeq: s.first,
			LastSeq: t.seq, LastHash: t.hash, LastTime: t.time, Bytes: t.size})
		total -= t.size
		why = appendOnce(why, old, fmt.Sprintf("records older than %s", j.rot.RetainAge))
		why = appendOnce(why, big && !old, fmt.Sprintf("segments over %d bytes", j.rot.RetainSize))
	}
	if len(removed) == 0 {
		return nil
	}
	return j.removeSegments(removed, strings.Join(why, "; "))
}

// latestOf is the latest record time of the segment before the file at
// next, from the segment record that starts next; last when it says none.
func latestOf(next string, last time.Time) time.Time {
	r, ok, err := readFirst(next)
	if err != nil || !ok || r.Type != TypeSegment {
		return last
	}
	var d SegmentDetail
	if json.Unmarshal(r.Detail, &d) != nil || d.Latest.Before(last) {
		return last
	}
	return d.Latest
}

func appendOnce(list []string, cond bool, s string) []string {
	if !cond {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// removeSegments journals the removal, then removes the files.
func (j *Journal) removeSegments(removed []RemovedSegment, reason string) error {
	rec := Record{Type: TypeRetention, Detail: JSON(RetentionDetail{Removed: removed, Reason: reason})}
	if _, err := j.appendOwn(rec); err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	step(crashpoint.RetainRecorded)
	dir := filepath.Dir(j.path)
	var errs []error
	for _, r := range removed {
		if err := os.Remove(filepath.Join(dir, r.File)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	errs = append(errs, syncDir(dir))
	j.log.Info("audit retention removed segments", "count", len(removed),
		"first_seq", removed[0].FirstSeq, "last_seq", removed[len(removed)-1].LastSeq, "reason", reason)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	return nil
}
