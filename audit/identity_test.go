package audit

import (
	"errors"
	"os"
	"runtime"
	"testing"
)

// Issue 13 item 5: the journal's lock was trusted by its path. Deleting
// audit.jsonl.lock (the natural reaction to "in use by another process")
// while one process held the journal let a second one open and append to
// it: two writers, the chain broken.
func TestDeletedLockFileDoesNotLetASecondWriterIn(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows refuses to delete an open lock file")
	}
	path, a, _ := testJournal(t, Options{})
	defer a.Close()
	if _, err := a.Append(Record{Type: TypeNote}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(LockPath(path)); err != nil {
		t.Fatal(err)
	}
	b, err := Open(path, Options{Actor: fixedActor})
	if err == nil {
		// The defect: both append, each with its own idea of the chain.
		_, _ = b.Append(Record{Type: TypeNote})
		_, _ = a.Append(Record{Type: TypeNote})
		b.Close()
		v, _ := Verify(path)
		t.Fatalf("a second Open succeeded while the first held the journal (chain now %+v)", v)
	}
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open = %v, want ErrInUse", err)
	}
	// The holder notices its lock file is gone, takes a new one, and goes on.
	if err := a.Check(); err != nil {
		t.Fatalf("Check after the lock file was deleted = %v, want the lock re-taken", err)
	}
	if _, err := os.Stat(LockPath(path)); err != nil {
		t.Fatalf("lock file not re-created: %v", err)
	}
	if _, err := a.Append(Record{Type: TypeNote}); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{}); !errors.Is(err, ErrInUse) {
		t.Fatalf("Open after the lock was re-taken = %v, want ErrInUse", err)
	}
	a.Close()
	mustVerify(t, path)
}

// A journal replaced, removed or truncated under a running writer: the
// writer refuses every later append (it would continue a chain that is not
// the one in the file) and Check says so, until the journal is opened again.
func TestJournalReplacedUnderTheWriter(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, path string)
	}{
		{"truncated as by copytruncate", func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}},
		{"appended to by another writer", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("{}\n")
			f.Close()
		}},
		{"removed", func(t *testing.T, path string) { removeOrSkip(t, path) }},
		{"replaced by a copy", func(t *testing.T, path string) {
			b := readFile(t, path)
			removeOrSkip(t, path)
			writeFile(t, path, b)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, j, _ := testJournal(t, Options{})
			defer j.Close()
			if _, err := j.Append(Record{Type: TypeNote}); err != nil {
				t.Fatal(err)
			}
			tt.change(t, path)
			if _, err := j.Append(Record{Type: TypeNote}); !errors.Is(err, ErrIdentity) {
				t.Fatalf("Append after the journal was %s = %v, want ErrIdentity", tt.name, err)
			}
			if err := j.Check(); !errors.Is(err, ErrIdentity) {
				t.Fatalf("Check = %v, want ErrIdentity", err)
			}
			if h := j.Health(); h.OK || h.Error == "" {
				t.Fatalf("Health = %+v, want not OK with the reason", h)
			}
		})
	}
}

func removeOrSkip(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		if runtime.GOOS == "windows" {
			t.Skipf("Windows keeps an open file: %v", err)
		}
		t.Fatal(err)
	}
}

// The lock file and the journal both deleted (someone "cleaning up"), and a
// second process starting on a fresh journal: the first must stop writing,
// and cannot take the lock back.
func TestJournalAndLockDeletedSecondProcessWins(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows refuses to delete open files")
	}
	path, a, _ := testJournal(t, Options{})
	defer a.Close()
	if _, err := a.Append(Record{Type: TypeNote}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{LockPath(path), path} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	b := reopen(t, path, Options{})
	defer b.Close()
	if _, err := a.Append(Record{Type: TypeNote}); !errors.Is(err, ErrIdentity) {
		t.Fatalf("old writer Append = %v, want ErrIdentity", err)
	}
	if err := a.Check(); !errors.Is(err, ErrIdentity) {
		t.Fatalf("old writer Check = %v, want ErrIdentity (the new lock is held)", err)
	}
	if _, err := b.Append(Record{Type: TypeNote}); err != nil {
		t.Fatalf("new writer Append = %v", err)
	}
	b.Close()
	if v := mustVerify(t, path); v.Records != 1 {
		t.Fatalf("new journal holds %d records, want 1 (the old writer wrote none)", v.Records)
	}
}
