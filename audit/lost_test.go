package audit

import (
	"os"
	"path/filepath"
	"testing"
)

// TestOpenReportsALostJournal: Open says the journal was lost when its
// lock file (which Open leaves behind) is there and the live file is
// missing or empty; a first start, or a journal with records, is not.
func TestOpenReportsALostJournal(t *testing.T) {
	tests := []struct {
		name     string
		lock     bool
		live     []byte // nil: no live file
		wantLost bool
	}{
		{"first start", false, nil, false},
		{"empty file, no lock", false, []byte{}, false},
		{"lock without the file", true, nil, true},
		{"lock beside an emptied file", true, []byte{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			if tt.lock {
				writeFile(t, LockPath(path), nil)
			}
			if tt.live != nil {
				writeFile(t, path, tt.live)
			}
			j, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			if got := j.Lost(); got != tt.wantLost {
				t.Errorf("Lost() = %v, want %v", got, tt.wantLost)
			}
		})
	}
}

// TestReopenedJournalIsNotLost: a journal closed with records and opened
// again, lock file and all, is not lost.
func TestReopenedJournalIsNotLost(t *testing.T) {
	path, j, _ := testJournal(t, Options{})
	if _, err := j.Append(Record{Type: TypeNote}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if _, err := os.Stat(LockPath(path)); err != nil {
		t.Fatalf("the lock file is not left behind: %v", err)
	}
	again := reopen(t, path, Options{})
	if again.Lost() {
		t.Error("a journal with records reopened is reported lost")
	}
}
