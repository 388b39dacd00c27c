package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// line is one line of a journal file.
type line struct {
	off  int64  // offset of the first byte
	size int64  // bytes on disk, newline included
	b    []byte // content without the newline; nil when too long
	term bool   // ended with a newline
	long bool   // longer than MaxRecordSize
}

// lineReader splits a journal into lines without a size limit on the input
// and with a bounded buffer: an over-long line is skipped, not held.
type lineReader struct {
	r   *bufio.Reader
	off int64
	buf []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line, or io.EOF when the input is exhausted.
func (lr *lineReader) next() (line, error) {
	ln := line{off: lr.off}
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.r.ReadSlice('\n')
		ln.size += int64(len(chunk))
		if !ln.long {
			if len(lr.buf)+len(chunk) > MaxRecordSize {
				ln.long, lr.buf = true, lr.buf[:0]
			} else {
				lr.buf = append(lr.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			ln.term = true
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if ln.size == 0 {
				return line{}, io.EOF
			}
		default:
			return line{}, fmt.Errorf("read at offset %d: %w", lr.off+ln.size, err)
		}
		break
	}
	lr.off += ln.size
	if !ln.long {
		ln.b = lr.buf
		if ln.term {
			ln.b = ln.b[:len(ln.b)-1]
		}
	}
	return ln, nil
}

// atEOF reports whether no byte follows the last line returned. It may
// invalidate the slice that line holds, so call it after using that slice.
func (lr *lineReader) atEOF() (bool, error) {
	_, err := lr.r.Peek(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read at offset %d: %w", lr.off, err)
	}
	return false, nil
}

// chainPos is a place in the chain: the seq and hash of a record, where
// the next file or record must continue. The zero value is the start of a
// journal. free accepts whatever seq and prev the first record has (a
// journal whose oldest segments retention removed; the caller checks that
// start separately).
type chainPos struct {
	seq  int64
	head string
	free bool
	// batched counts the records written after seq whose fsync had not
	// come (AppendBatched): a reopen finds them in the file or not.
	batched int64
}

// scanResult is what a pass over a journal found.
type scanResult struct {
	records  int64     // good records
	first    Record    // the first good record (zero when none)
	lastTime time.Time // time of the last good record
	latest   time.Time // the latest time of any good record (clocks move back)
	seq      int64     // seq of the last good record (from.seq when none)
	head     string    // hash of the last good record (from.head when none)
	goodEnd  int64     // offset after the last good record (and its newline)
	noNL     bool      // the last good record lacks its newline
	torn     int64     // bytes after goodEnd that form no record (torn tail)
	tornText []byte    // the first bytes of the torn tail
	firstBad int64     // seq expected where damage starts; 0 if none
	problem  string    // what is wrong at firstBad
}

// scan reads a journal file whose chain continues from, verifying the
// chain when verify is set, and calls fn for every good record in order.
// It stops at the first damaged record. The last line of the input, if it
// is not a complete record, is reported as a torn tail rather than as
// damage. fn's error is returned as is.
func scan(r io.Reader, verify bool, from chainPos, fn func(Record) error) (scanResult, error) {
	s := scanResult{seq: from.seq, head: from.head}
	lr := newLineReader(r)
	for {
		ln, err := lr.next()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return s, err
		}
		rec, perr := parseLine(ln)
		if perr == nil && verify {
			// A complete record that fails the chain is damage, even last.
			seq, head := s.seq, s.head
			if s.records == 0 && from.free {
				seq, head = rec.Seq-1, rec.Prev
			}
			perr = check(rec, ln.b, seq, head)
		}
		if perr != nil {
			if errors.Is(perr, errIncomplete) {
				if torn, err := s.tail(lr, ln); err != nil || torn {
					return s, err
				}
			}
			s.firstBad, s.problem = s.seq+1, fmt.Sprintf("line at offset %d: %v", ln.off, perr)
			return s, nil
		}
		if s.records == 0 {
			s.first = rec
		}
		s.records++
		s.seq, s.head, s.lastTime = rec.Seq, rec.Hash, rec.Time
		if rec.Time.After(s.latest) {
			s.latest = rec.Time
		}
		s.goodEnd, s.noNL = ln.off+ln.size, !ln.term
		if fn != nil {
			if err := fn(rec); err != nil {
				return s, err
			}
		}
	}
}

// tail records ln as a torn tail if it can be one: the last line, no
// longer than a record, and not starting with a complete record (which a
// write cut short cannot produce; a lost newline between two records can).
func (s *scanResult) tail(lr *lineReader, ln line) (bool, error) {
	const keep = 256
	if ln.long || startsWithRecord(ln.b) {
		return false, nil
	}
	text := append([]byte(nil), ln.b[:min(len(ln.b), keep)]...)
	if ln.term {
		eof, err := lr.atEOF()
		if err != nil || !eof {
			return false, err
		}
	}
	s.torn, s.tornText = ln.size, text
	return true, nil
}

// startsWithRecord reports whether b begins with a complete record.
func startsWithRecord(b []byte) bool {
	var r Record
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&r); err != nil {
		return false
	}
	return r.Seq > 0 && !r.Time.IsZero() && r.Type != "" && r.Hash != ""
}

func parseLine(ln line) (Record, error) {
	if ln.long {
		return Record{}, fmt.Errorf("%w: line longer than %d bytes", errIncomplete, MaxRecordSize)
	}
	return parse(ln.b)
}
