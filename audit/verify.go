package audit

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
)

// VerifyResult is the outcome of Verify. FirstBad == 0 means the chain is
// intact.
type VerifyResult struct {
	// Records is the number of records that verified, up to the damage.
	Records int64 `json:"records"`
	// Head is the hash of the last record that verified.
	Head string `json:"head"`
	// HeadSeq is the seq of the last record that verified.
	HeadSeq int64 `json:"head_seq"`
	// First is the seq of the oldest record present: 1, or the first seq
	// after the segments retention removed.
	First int64 `json:"first,omitempty"`
	// Segments is the number of sealed segments before the live file.
	Segments int `json:"segments"`
	// FirstBad is the seq expected where the damage starts; 0 if none.
	FirstBad int64 `json:"first_bad"`
	// File is the file where the damage is, when FirstBad is set.
	File string `json:"file,omitempty"`
	// Problem says what is wrong at FirstBad, or describes a torn tail.
	Problem string `json:"problem,omitempty"`
	// Torn is the size of a torn last line (a crash during a write, or a
	// write in progress). It is not damage: Open cuts it and records that.
	Torn int64 `json:"torn,omitempty"`
}

// OK reports whether the chain is intact.
func (v VerifyResult) OK() bool { return v.FirstBad == 0 }

// Verify checks the whole chain of the journal at path, across its
// segments and the live file: contiguous seq, each prev equal to the
// previous hash (across files too), each line in canonical form and each
// hash matching its content. Where the chain does not start at seq 1, a
// retention record must name the removed segment that ended just before
// it. Damage is reported in the result, not as an error; the error is for
// files that cannot be read (a missing journal wraps fs.ErrNotExist).
//
// A chain that verifies may still lack its newest records: CheckAnchor
// compares it with the last signed anchor.
func Verify(path string) (VerifyResult, error) {
	files, err := openChain(path)
	if err != nil {
		return VerifyResult{}, fmt.Errorf("verify journal: %w", err)
	}
	defer closeChain(files)
	if len(files) == 1 && files[0].f == nil {
		return VerifyResult{}, fmt.Errorf("verify journal: %w", &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist})
	}
	var v VerifyResult
	var w chainWalk
	for i, c := range files {
		if !w.file(&v, c, i == 0) {
			return v, nil
		}
	}
	v.Head, v.HeadSeq, v.First = w.pos.head, w.pos.seq, w.start.Seq
	w.checkStart(&v)
	return v, nil
}

// chainWalk carries Verify from one file to the next.
type chainWalk struct {
	pos     chainPos
	start   Record           // the oldest record present
	removed []RemovedSegment // what retention records say was removed
}

// file verifies one file of the chain and reports whether to go on.
func (w *chainWalk) file(v *VerifyResult, c chainFile, first bool) bool {
	name := filepath.Base(c.path)
	if c.f == nil {
		v.FirstBad, v.File = w.pos.seq+1, name
		v.Problem = fmt.Sprintf("the live file %s is missing: the records after seq %d are lost", name, w.pos.seq)
		return false
	}
	s, err := w.scan(c, first)
	if err != nil {
		v.FirstBad, v.File, v.Problem = w.pos.seq+1, name, err.Error()
		return false
	}
	v.Records += s.records
	if first {
		w.start = s.first
	}
	if c.sealed {
		v.Segments++
	}
	if w.damaged(v, c, s) {
		return false
	}
	w.pos = chainPos{seq: s.seq, head: s.head}
	if !c.sealed {
		v.Torn = s.torn
		switch {
		case s.torn > 0:
			v.Problem = fmt.Sprintf("torn last line of %d bytes after seq %d (Open will cut it)", s.torn, s.seq)
		case s.noNL:
			v.Problem = fmt.Sprintf("last record (seq %d) lacks its newline (Open will add it)", s.seq)
		}
	}
	return true
}

// scan verifies one file from where the chain stands, collecting what
// retention records say was removed.
func (w *chainWalk) scan(c chainFile, first bool) (scanResult, error) {
	from := w.pos
	if first && c.sealed {
		// Retention may have removed the segments before this one; the
		// live file alone always starts at seq 1 (the newest segment is
		// never removed).
		from = chainPos{free: true}
	}
	return scan(c.f, true, from, func(r Record) error {
		if r.Type == TypeRetention {
			var d RetentionDetail
			if json.Unmarshal(r.Detail, &d) == nil {
				w.removed = append(w.removed, d.Removed...)
			}
		}
		return nil
	})
}

// damaged records in v what is wrong with a file just scanned, if
// anything: a bad record, a segment not ending with a complete record, an
// empty live file after segments (a rotation always leaves one record).
func (w *chainWalk) damaged(v *VerifyResult, c chainFile, s scanResult) bool {
	name := filepath.Base(c.path)
	switch {
	case s.firstBad > 0:
		v.FirstBad, v.File, v.Problem = s.firstBad, name, s.problem
		if c.sealed {
			v.Problem = "segment " + name + ": " + s.problem
		}
	case c.sealed && (s.torn > 0 || s.noNL || s.records == 0):
		v.FirstBad, v.File = s.seq+1, name
		v.Problem = fmt.Sprintf("segment %s does not end with a complete record after seq %d", name, s.seq)
	case !c.sealed && s.records == 0 && v.Segments > 0 && s.torn == 0:
		v.FirstBad, v.File = w.pos.seq+1, name
		v.Problem = fmt.Sprintf("the live file %s is empty after %d segments: the records after seq %d are lost", name, v.Segments, w.pos.seq)
	default:
		return false
	}
	return true
}

// checkStart accepts a chain that starts at seq 1 with no prev, or right
// after a segment that a retention record says it removed.
func (w *chainWalk) checkStart(v *VerifyResult) {
	st := w.start
	switch {
	case st.Seq == 0:
		return // empty
	case st.Seq == 1 && st.Prev == "":
		return
	case st.Seq == 1:
		v.FirstBad, v.Problem = 1, fmt.Sprintf("first record has prev %q, want empty", clip(st.Prev))
		return
	}
	for _, r := range w.removed {
		if r.LastSeq == st.Seq-1 && r.LastHash == st.Prev {
			return
		}
	}
	v.FirstBad = 1
	v.Problem = fmt.Sprintf("records 1–%d missing: the oldest file starts at seq %d and no retention record says it removed them", st.Seq-1, st.Seq)
}
