package audit

import (
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// Summary describes a journal's files without verifying them.
type Summary struct {
	Segments int       `json:"segments"`  // sealed segments before the live file
	Bytes    int64     `json:"bytes"`     // all files together
	FirstSeq int64     `json:"first_seq"` // the oldest record present; 0 when none
	HeadSeq  int64     `json:"head_seq"`  // the last complete record; 0 when none
	HeadTime time.Time `json:"head_time,omitzero"`
}

// Summarize describes the journal at path from its file names, the
// oldest file's first record and the live file's records. A missing live
// file with no segment is an error wrapping fs.ErrNotExist.
func Summarize(path string) (Summary, error) {
	s, _, err := summarize(path, 0)
	return s, err
}

// summarize is Summarize, also returning the hash of the record at seq
// want (0: none wanted), found in the live file or the segment holding it.
func summarize(path string, want int64) (Summary, string, error) {
	files, err := openChain(path)
	if err != nil {
		return Summary{}, "", err
	}
	defer closeChain(files)
	var sum Summary
	live := files[len(files)-1]
	sealed := files[:len(files)-1]
	if live.f == nil && len(sealed) == 0 {
		return sum, "", fmt.Errorf("read journal: %w", &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist})
	}
	sum.Segments = len(sealed)
	for _, c := range files {
		if c.f != nil {
			if fi, err := c.f.Stat(); err == nil {
				sum.Bytes += fi.Size()
			}
		}
	}
	var hashAt string
	if live.f != nil {
		s, err := scan(live.f, false, chainPos{}, func(r Record) error {
			if r.Seq == want {
				hashAt = r.Hash
			}
			return nil
		})
		if err != nil {
			return sum, "", err
		}
		sum.FirstSeq, sum.HeadSeq, sum.HeadTime = s.first.Seq, s.seq, s.lastTime
	}
	if len(sealed) == 0 {
		return sum, hashAt, nil
	}
	if sum.HeadSeq == 0 {
		t, err := readTail(sealed[len(sealed)-1].path)
		if err != nil {
			return sum, "", err
		}
		sum.HeadSeq, sum.HeadTime = t.seq, t.time
	}
	if first, ok, err := readFirst(sealed[0].path); err == nil && ok {
		sum.FirstSeq = first.Seq
	}
	if want > 0 && hashAt == "" {
		hashAt, err = hashInSealed(sealed, want)
	}
	return sum, hashAt, err
}

// hashInSealed finds the hash of the record at seq in the segment whose
// range holds it.
func hashInSealed(sealed []chainFile, seq int64) (string, error) {
	var hold *chainFile
	for i := range sealed {
		if first, ok, err := readFirst(sealed[i].path); err == nil && ok && first.Seq <= seq {
			hold = &sealed[i]
		}
	}
	if hold == nil {
		return "", nil
	}
	var hash string
	_, err := scan(hold.f, false, chainPos{}, func(r Record) error {
		if r.Seq == seq {
			hash = r.Hash
			return errFound
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return "", err
	}
	return hash, nil
}

// errFound stops a scan that found what it looked for.
var errFound = errors.New("found")
