package audit

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// ReadAll calls fn for every record of the journal at path, in order,
// without verifying the chain. A last line that is not a complete record
// (a torn write, or one in progress) is ignored; any other line that does
// not parse is an error. ReadAll stops at fn's first error and returns it
// unwrapped. It takes no lock: it may run while the daemon appends.
func ReadAll(path string, fn func(Record) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	s, err := scan(f, false, fn)
	if err != nil {
		return err
	}
	if s.firstBad > 0 {
		return &ChainError{Path: path, Seq: s.firstBad, Problem: s.problem}
	}
	return nil
}

// VerifyResult is the outcome of Verify. FirstBad == 0 means the chain is
// intact.
type VerifyResult struct {
	// Records is the number of records that verified, up to the damage.
	Records int64 `json:"records"`
	// Head is the hash of the last record that verified.
	Head string `json:"head"`
	// FirstBad is the seq expected where the damage starts; 0 if none.
	FirstBad int64 `json:"first_bad"`
	// Problem says what is wrong at FirstBad, or describes a torn tail.
	Problem string `json:"problem,omitempty"`
	// Torn is the size of a torn last line (a crash during a write, or a
	// write in progress). It is not damage: Open cuts it and records that.
	Torn int64 `json:"torn,omitempty"`
}

// OK reports whether the chain is intact.
func (v VerifyResult) OK() bool { return v.FirstBad == 0 }

// Verify checks the whole chain of the journal at path: contiguous seq from
// 1, each prev equal to the previous hash, each line in canonical form and
// each hash matching its content. Damage is reported in the result, not as
// an error; the error is for files that cannot be read.
func Verify(path string) (VerifyResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return VerifyResult{}, fmt.Errorf("verify journal: %w", err)
	}
	defer f.Close()
	s, err := scan(f, true, nil)
	if err != nil {
		return VerifyResult{}, fmt.Errorf("verify journal: %w", err)
	}
	v := VerifyResult{Records: s.records, Head: s.head, FirstBad: s.firstBad, Problem: s.problem, Torn: s.torn}
	switch {
	case s.torn > 0:
		v.Problem = fmt.Sprintf("torn last line of %d bytes after seq %d (Open will cut it)", s.torn, s.seq)
	case s.noNL && s.firstBad == 0:
		v.Problem = fmt.Sprintf("last record (seq %d) lacks its newline (Open will add it)", s.seq)
	}
	return v, nil
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

// Spends calls fn for every record at or after since that spent budget
// (Record.Spent: intent records), for rebuilding rate limits at start.
// When it fails, the caller must assume budgets are exhausted.
func Spends(path string, since time.Time, fn func(Record) error) error {
	return ReadAll(path, func(r Record) error {
		if r.Spent() && !r.Time.Before(since) {
			return fn(r)
		}
		return nil
	})
}
