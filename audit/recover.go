package audit

import (
	"fmt"
	"os"
	"sort"
)

// ChainError says a journal is damaged before its last line: a record was
// edited, deleted, inserted or reordered. It is never repaired
// automatically; a person must inspect the file.
type ChainError struct {
	Path    string
	Seq     int64 // the first bad seq: the seq expected where damage starts
	Problem string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("journal %s damaged at seq %d: %s; refusing to use it until a person inspects it",
		e.Path, e.Seq, e.Problem)
}

// intentKey pairs intents with outcomes: the same action in the same pass.
type intentKey struct{ pass, action string }

// load verifies the live file at path, whose chain continues from, and
// returns the scan, the hash of the record at seq want (when the file
// holds it) and the intents left without an outcome or indeterminate
// record, in seq order.
func load(path string, from chainPos, want int64) (scanResult, string, []Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return scanResult{}, "", nil, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	open := map[intentKey][]Record{}
	var hashAt string
	s, err := scan(f, true, from, func(r Record) error {
		if want > 0 && r.Seq == want {
			hashAt = r.Hash
		}
		k := intentKey{r.Pass, r.Action}
		switch r.Type {
		case TypeIntent:
			open[k] = append(open[k], r)
		case TypeOutcome, TypeIndeterminate:
			if q := open[k]; len(q) > 0 {
				open[k] = q[1:]
			}
		}
		return nil
	})
	if err != nil {
		return s, "", nil, fmt.Errorf("read journal: %w", err)
	}
	if s.firstBad > 0 {
		return s, "", nil, &ChainError{Path: path, Seq: s.firstBad, Problem: s.problem}
	}
	var left []Record
	for _, q := range open {
		left = append(left, q...)
	}
	sort.Slice(left, func(a, b int) bool { return left[a].Seq < left[b].Seq })
	return s, hashAt, left, nil
}

// recordRepair appends the recovered record for a cut tail or an added
// newline.
func (j *Journal) recordRepair(s scanResult) error {
	if s.torn == 0 && !s.noNL {
		return nil
	}
	d := map[string]any{"after_seq": s.seq, "cut_bytes": s.torn}
	if s.torn > 0 {
		d["cut_text"] = string(s.tornText)
		j.log.Warn("audit journal: cut a torn last line", "after_seq", s.seq, "bytes", s.torn)
	} else {
		d["added_newline"] = true
		j.log.Warn("audit journal: added the missing newline of the last record", "seq", s.seq)
	}
	return j.appendRecovered(Record{Type: TypeRecovered, Detail: JSON(d)})
}

// recordIndeterminate appends one indeterminate record per open intent,
// saying why with message.
func (j *Journal) recordIndeterminate(open []Record, message string) error {
	for _, in := range open {
		r := Record{
			Type: TypeIndeterminate, Pass: in.Pass, Plan: in.Plan, Action: in.Action,
			Kind: in.Kind, Server: in.Server, Package: in.Package, Mode: in.Mode,
			Account: in.Account, Outcome: Indeterminate,
			Detail: JSON(map[string]any{
				"intent_seq": in.Seq,
				"message":    message,
			}),
		}
		j.log.Warn("audit journal: intent without outcome", "intent_seq", in.Seq,
			"action", in.Action, "pass", in.Pass)
		if err := j.appendRecovered(r); err != nil {
			return err
		}
	}
	return nil
}

// appendRecovered appends a record of a recovery and keeps it for
// Recovered. j.mu is held.
func (j *Journal) appendRecovered(r Record) error {
	w, err := j.appendOwn(r)
	if err != nil {
		return err
	}
	j.recovered = append(j.recovered, w)
	return nil
}

// appendOwn appends a record the journal writes itself (recovery,
// rotation, retention). j.mu is held.
func (j *Journal) appendOwn(r Record) (Record, error) {
	r, err := j.complete(r)
	if err != nil {
		return Record{}, err
	}
	return j.appendLocked(r)
}
