package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// MaxRecordSize is the largest line, newline included, that Append writes
// and that readers accept.
const MaxRecordSize = 1 << 20

// hashKey is the member that ends every line; the canonical encoding is the
// line with it removed.
var hashKey = []byte(`,"hash":"`)

// encode returns the canonical encoding of r without its hash, the hash of
// that encoding, and the journal line: the canonical encoding with
// `,"hash":"<hex>"` inserted before its closing brace, plus a newline. That
// line is byte for byte what json.Marshal gives for r with Hash set, since
// Hash is the last field.
func encode(r Record) (line []byte, hash string, err error) {
	r.Hash = ""
	canon, err := json.Marshal(r)
	if err != nil {
		return nil, "", fmt.Errorf("encode record: %w", err)
	}
	sum := sha256.Sum256(canon)
	hash = hex.EncodeToString(sum[:])
	line = make([]byte, 0, len(canon)+len(hashKey)+len(hash)+3)
	line = append(line, canon[:len(canon)-1]...)
	line = append(line, hashKey...)
	line = append(line, hash...)
	line = append(line, '"', '}', '\n')
	return line, hash, nil
}

// errIncomplete marks a line that is not a complete record: not JSON, or
// missing a field every record has. At the end of the file such a line is
// a torn write; anywhere else it is damage.
var errIncomplete = errors.New("not a complete record")

// parse decodes one line (without its newline).
func parse(b []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, fmt.Errorf("%w: %v", errIncomplete, err)
	}
	if r.Seq <= 0 || r.Time.IsZero() || r.Type == "" || r.Hash == "" {
		return Record{}, fmt.Errorf("%w: seq, time, type or hash missing", errIncomplete)
	}
	return r, nil
}

// check verifies a parsed record against the chain: its seq follows seq,
// its prev is prev, its line is canonical and its hash matches.
func check(r Record, b []byte, seq int64, prev string) error {
	if r.Seq != seq+1 {
		return fmt.Errorf("seq %d where %d was expected (record deleted, inserted or reordered)", r.Seq, seq+1)
	}
	if r.Prev != prev {
		if seq == 0 {
			return fmt.Errorf("first record has prev %q, want empty", clip(r.Prev))
		}
		return fmt.Errorf("prev does not match the hash of seq %d (seq %d or %d was changed)", seq, seq, r.Seq)
	}
	want, hash, err := encode(r)
	if err != nil {
		return err
	}
	if hash != r.Hash {
		return fmt.Errorf("hash does not match the content (record edited)")
	}
	if !bytes.Equal(want[:len(want)-1], b) {
		return fmt.Errorf("line is not in canonical form (record edited)")
	}
	return nil
}

// clip shortens untrusted text for an error message.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
