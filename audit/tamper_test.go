package audit

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// rewrite decodes a line, lets edit change the record, and encodes it
// again with a correct hash, as a careful forger would.
func rewrite(t *testing.T, line []byte, edit func(*Record)) []byte {
	t.Helper()
	r, err := parse(bytes.TrimSuffix(line, []byte("\n")))
	if err != nil {
		t.Fatal(err)
	}
	edit(&r)
	out, _, err := encode(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTamperDetected(t *testing.T) {
	rs := append(sampleRecords(), sampleRecords()...) // 20 records
	_, orig := writeRecords(t, rs)
	const k = 6 // the record tampered with (seq), 1-based
	tests := []struct {
		name   string
		mutate func(ls [][]byte) [][]byte
		want   int64
	}{
		{"edit a field", func(ls [][]byte) [][]byte {
			ls[k-1] = bytes.Replace(ls[k-1], []byte(`"PS002"`), []byte(`"PS009"`), 1)
			return ls
		}, k},
		{"edit a field and recompute its hash", func(ls [][]byte) [][]byte {
			ls[k-1] = rewrite(t, ls[k-1], func(r *Record) { r.Server = "PS009" })
			return ls
		}, k + 1},
		{"delete a record", func(ls [][]byte) [][]byte {
			return append(ls[:k-1:k-1], ls[k:]...)
		}, k},
		{"delete the first record", func(ls [][]byte) [][]byte { return ls[1:] }, 1},
		{"swap two records", func(ls [][]byte) [][]byte {
			ls[k-1], ls[k] = ls[k], ls[k-1]
			return ls
		}, k},
		{"duplicate a record", func(ls [][]byte) [][]byte {
			return append(ls[:k:k], append([][]byte{ls[k-1]}, ls[k:]...)...)
		}, k + 1},
		{"change a hash", func(ls [][]byte) [][]byte {
			i := bytes.LastIndex(ls[k-1], []byte(`"hash":"`)) + 8
			ls[k-1][i] ^= 0x01
			return ls
		}, k},
		{"change a prev", func(ls [][]byte) [][]byte {
			ls[k-1] = rewrite(t, ls[k-1], func(r *Record) { r.Prev = strings.Repeat("0", 64) })
			return ls
		}, k},
		{"first record with a prev", func(ls [][]byte) [][]byte {
			ls[0] = rewrite(t, ls[0], func(r *Record) { r.Prev = "x" })
			return ls
		}, 1},
		{"renumber a record", func(ls [][]byte) [][]byte {
			ls[k-1] = rewrite(t, ls[k-1], func(r *Record) { r.Seq = 60 })
			return ls
		}, k},
		{"white space added", func(ls [][]byte) [][]byte {
			ls[k-1] = bytes.Replace(ls[k-1], []byte(`,"type"`), []byte(`, "type"`), 1)
			return ls
		}, k},
		{"unknown member added, hash recomputed over the line", func(ls [][]byte) [][]byte {
			ls[k-1] = bytes.Replace(ls[k-1], []byte(`{"seq"`), []byte(`{"x":1,"seq"`), 1)
			return ls
		}, k},
		{"garbage line inserted", func(ls [][]byte) [][]byte {
			return append(ls[:k-1:k-1], append([][]byte{[]byte("hello\n")}, ls[k-1:]...)...)
		}, k},
		{"blank line inserted", func(ls [][]byte) [][]byte {
			return append(ls[:k-1:k-1], append([][]byte{[]byte("\n")}, ls[k-1:]...)...)
		}, k},
		{"complete last record edited", func(ls [][]byte) [][]byte {
			n := len(ls)
			ls[n-1] = bytes.Replace(ls[n-1], []byte(`"pass-2"`), []byte(`"pass-3"`), 1)
			return ls
		}, int64(len(rs))},
		{"last record replaced by a forged one", func(ls [][]byte) [][]byte {
			n := len(ls)
			ls[n-1] = rewrite(t, ls[n-1], func(r *Record) { r.Prev = strings.Repeat("a", 64) })
			return ls
		}, int64(len(rs))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls := splitLines(bytes.Clone(orig))
			for i := range ls {
				ls[i] = bytes.Clone(ls[i])
			}
			damaged := bytes.Join(tt.mutate(ls), nil)
			expectDamage(t, damaged, tt.want)
		})
	}
}

// Flipping any one byte of any line but the last is found at that line.
func TestFlippedByteDetected(t *testing.T) {
	_, orig := writeRecords(t, sampleRecords())
	ls := splitLines(orig)
	var off int
	for i, l := range ls[:len(ls)-1] {
		for b := range l {
			damaged := bytes.Clone(orig)
			damaged[off+b] ^= 0x01
			expectDamage(t, damaged, int64(i+1))
			if t.Failed() {
				t.Fatalf("flipped byte %d of seq %d (%q)", b, i+1, l[b])
			}
		}
		off += len(l)
	}
}

// expectDamage checks that Verify reports want as the first bad seq and
// that Open refuses the file with a ChainError naming it, leaving it as is.
func expectDamage(t *testing.T, damaged []byte, want int64) {
	t.Helper()
	path := t.TempDir() + "/audit.jsonl"
	writeFile(t, path, damaged)
	v, err := Verify(path)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if v.FirstBad != want || v.OK() || v.Problem == "" || v.Records != want-1 {
		t.Errorf("Verify = %+v, want FirstBad %d after %d records", v, want, want-1)
		return
	}
	j, err := Open(path, Options{})
	var ce *ChainError
	if !errors.As(err, &ce) || ce.Seq != want {
		if j != nil {
			j.Close()
		}
		t.Errorf("Open err = %v, want ChainError at seq %d", err, want)
		return
	}
	if !strings.Contains(err.Error(), "inspect") {
		t.Errorf("Open error does not tell a person to inspect: %v", err)
	}
	if got := readFile(t, path); !bytes.Equal(got, damaged) {
		t.Errorf("Open changed a damaged journal")
	}
}
