package audit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/itms-tools/reconciler/clock"
)

// FuzzReadJournal feeds arbitrary file contents to Verify, ReadAll and
// Open. None may panic, and they must agree: Open refuses exactly what
// Verify calls damaged, at the same seq; otherwise Open leaves a journal
// that verifies with no torn tail, keeps every record that verified, and
// a second Open changes nothing. Seeds: testdata/fuzz/FuzzReadJournal.
func FuzzReadJournal(f *testing.F) {
	if b, err := os.ReadFile(goldenPath); err == nil {
		f.Add(b)
		f.Add(b[:len(b)-7])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "audit.jsonl")
		writeFile(t, path, data)
		before, err := Verify(path)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		_ = ReadAll(path, func(Record) error { return nil })
		opt := Options{Clock: clock.NewFake(t0), Actor: fixedActor}
		j, err := Open(path, opt)
		if before.FirstBad > 0 {
			var ce *ChainError
			if !errors.As(err, &ce) || ce.Seq != before.FirstBad {
				t.Fatalf("Verify found damage at %d, Open returned %v", before.FirstBad, err)
			}
			if !bytes.Equal(readFile(t, path), data) {
				t.Fatalf("Open changed a damaged journal")
			}
			return
		}
		if err != nil {
			t.Fatalf("Open of an intact journal: %v", err)
		}
		j.Close()
		after, err := Verify(path)
		if err != nil || !after.OK() || after.Torn != 0 || after.Records < before.Records {
			t.Fatalf("after Open: Verify = %+v, %v; before %+v", after, err, before)
		}
		j, err = Open(path, opt)
		if err != nil {
			t.Fatalf("second Open: %v", err)
		}
		if r := j.Recovered(); len(r) != 0 {
			t.Fatalf("second Open recovered %+v", r)
		}
		j.Close()
	})
}
