package audit

import (
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// ReadAll calls fn for every record of the journal at path, in order,
// across its segments and then the live file, without verifying the
// chain. A last line that is not a complete record (a torn write, or one
// in progress) is ignored; any other line that does not parse is an error.
// ReadAll stops at fn's first error and returns it unwrapped. It takes no
// lock: it may run while the daemon appends, rotates or removes old
// segments. A missing live file is an error wrapping fs.ErrNotExist, after
// the segments' records were read.
func ReadAll(path string, fn func(Record) error) error {
	files, err := openChain(path)
	if err != nil {
		return err
	}
	defer closeChain(files)
	var last int64 // seq of the last record passed to fn
	for _, c := range files {
		if c.f == nil {
			return fmt.Errorf("read journal: %w", &fs.PathError{Op: "open", Path: c.path, Err: fs.ErrNotExist})
		}
		s, err := scan(c.f, false, chainPos{}, func(r Record) error {
			if r.Seq <= last {
				return nil // also in the file before (a rotation copied it meanwhile)
			}
			last = r.Seq
			return fn(r)
		})
		if err != nil {
			return err
		}
		if s.firstBad > 0 {
			return &ChainError{Path: c.path, Seq: s.firstBad, Problem: s.problem}
		}
	}
	return nil
}

// Query selects records. Zero fields match everything. Since is inclusive
// and Until exclusive; Server matches case-insensitively, as Windows host
// names do; the other strings match exactly.
type Query struct {
	Since, Until time.Time
	Server       string
	Kind         string
	Outcome      string
	Plan         string
	Type         string
	Action       string
	Pass         string
}

// Match reports whether r is selected by q.
func (q Query) Match(r Record) bool {
	switch {
	case !q.Since.IsZero() && r.Time.Before(q.Since),
		!q.Until.IsZero() && !r.Time.Before(q.Until),
		q.Server != "" && !strings.EqualFold(q.Server, r.Server),
		q.Kind != "" && q.Kind != r.Kind,
		q.Outcome != "" && q.Outcome != string(r.Outcome),
		q.Plan != "" && q.Plan != r.Plan,
		q.Type != "" && q.Type != string(r.Type),
		q.Action != "" && q.Action != r.Action,
		q.Pass != "" && q.Pass != r.Pass:
		return false
	}
	return true
}

// Filter calls fn for every record of the journal at path that q selects,
// reading as ReadAll does.
func Filter(path string, q Query, fn func(Record) error) error {
	return ReadAll(path, func(r Record) error {
		if q.Match(r) {
			return fn(r)
		}
		return nil
	})
}
