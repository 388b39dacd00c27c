package audit

import (
	"errors"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"testing"
)

// faults is what the fake file fails with; tests change it between calls.
type faults struct {
	mu sync.Mutex
	// write fails every Write with this error after writing partial bytes.
	write   error
	partial int
	// sync fails every Sync with this error; drop also cuts the file back
	// to its size at the last good sync, as a kernel that dropped the
	// dirty pages would leave it.
	sync error
	drop bool
	// open fails OpenFile.
	open error
}

func (x *faults) set(fn func(*faults)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	fn(x)
}

// noFaults removes every fault.
func noFaults(x *faults) { x.write, x.partial, x.sync, x.drop, x.open = nil, 0, nil, false, nil }

// faultFile is the journal's append handle with injected faults.
type faultFile struct {
	*os.File
	x      *faults
	synced int64
}

func (x *faults) openFile(path string) (File, error) {
	x.mu.Lock()
	err := x.open
	x.mu.Unlock()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return &faultFile{File: f.(*os.File), x: x, synced: fi.Size()}, nil
}

func (f *faultFile) Write(p []byte) (int, error) {
	f.x.mu.Lock()
	err, partial := f.x.write, f.x.partial
	f.x.mu.Unlock()
	if err == nil {
		return f.File.Write(p)
	}
	n, _ := f.File.Write(p[:min(partial, len(p))])
	return n, err
}

func (f *faultFile) Sync() error {
	f.x.mu.Lock()
	err, drop := f.x.sync, f.x.drop
	f.x.mu.Unlock()
	if err == nil {
		if err := f.File.Sync(); err != nil {
			return err
		}
		fi, err := f.File.Stat()
		if err == nil {
			f.synced = fi.Size()
		}
		return err
	}
	if drop {
		os.Truncate(f.Name(), f.synced)
	}
	return err
}

// Issue 13 item 8: a full disk or an I/O error on the journal. The journal
// must report it (Health), refuse to act on a file whose state is unknown,
// and come back by itself once the disk does, after reading and verifying
// the file again.
func TestFullDiskAndSyncErrors(t *testing.T) {
	tests := []struct {
		name        string
		fault       func(*faults)
		wantSticky  bool // later appends refused until Check reopens
		wantRecover bool // Check appends a recovered record
		intentKept  bool // the failed intent is in the file after reopen
	}{
		{"full disk, nothing written", func(x *faults) { x.write = syscall.ENOSPC }, false, false, false},
		{"full disk, half a line written", func(x *faults) { x.write, x.partial = syscall.ENOSPC, 40 }, false, false, false},
		{"I/O error on sync, the line reached the file", func(x *faults) { x.sync = syscall.EIO }, true, true, true},
		{"I/O error on sync, the kernel dropped the line", func(x *faults) { x.sync, x.drop = syscall.EIO, true }, true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := &faults{}
			path, j, _ := testJournal(t, Options{OpenFile: x.openFile})
			defer j.Close()
			mustAppend(t, j, Record{Type: TypePassStart, Pass: "p1"})
			x.set(tt.fault)
			if _, err := j.Append(intent("p1", "resend_status:PS001", "resend_status", "PS001")); err == nil {
				t.Fatal("Append succeeded under the fault")
			}
			if h := j.Health(); h.OK || h.Error == "" || h.Failures != 1 {
				t.Fatalf("Health = %+v, want not OK with the error", h)
			}
			// The disk is still failing: nothing is written, Check says so.
			x.set(func(x *faults) { x.open = syscall.EIO })
			if err := j.Check(); (err != nil) != tt.wantSticky {
				t.Fatalf("Check while failing = %v, want error %v", err, tt.wantSticky)
			}
			// The disk recovers.
			x.set(noFaults)
			if err := j.Check(); err != nil {
				t.Fatalf("Check after the disk recovered = %v", err)
			}
			mustAppend(t, j, Record{Type: TypePassEnd, Pass: "p1"})
			if h := j.Health(); !h.OK {
				t.Fatalf("Health after recovery = %+v", h)
			}
			j.Close()
			mustVerify(t, path)
			recs := readRecords(t, path)
			types := map[Type]int{}
			for _, r := range recs {
				types[r.Type]++
			}
			if (types[TypeRecovered] == 1) != tt.wantRecover {
				t.Fatalf("records %v: want recovered %v", types, tt.wantRecover)
			}
			if (types[TypeIntent] == 1) != tt.intentKept || types[TypeIndeterminate] != types[TypeIntent] {
				t.Fatalf("records %v: want the failed intent kept %v, closed by an indeterminate record", types, tt.intentKept)
			}
		})
	}
}

// After a failed sync, the records already acknowledged must still be in
// the file when it is reopened; if they are not, the journal is not the
// one this process wrote, and it stays refused.
func TestReopenRefusesAFileThatLostAcknowledgedRecords(t *testing.T) {
	x := &faults{}
	path, j, _ := testJournal(t, Options{OpenFile: x.openFile})
	defer j.Close()
	mustAppend(t, j, Record{Type: TypeNote})
	mustAppend(t, j, Record{Type: TypeNote})
	x.set(func(x *faults) { x.sync = syscall.EIO })
	if _, err := j.Append(Record{Type: TypeNote}); err == nil {
		t.Fatal("Append succeeded under the fault")
	}
	x.set(noFaults)
	lines := splitLines(readFile(t, path))
	writeFile(t, path, lines[0]) // seq 2, acknowledged, is gone
	if err := j.Check(); !errors.Is(err, ErrIdentity) {
		t.Fatalf("Check = %v, want ErrIdentity", err)
	}
	if _, err := j.Append(Record{Type: TypeNote}); err == nil {
		t.Fatal("Append succeeded on a file that lost records")
	}
}

func mustAppend(t testing.TB, j *Journal, r Record) Record {
	t.Helper()
	w, err := j.Append(r)
	if err != nil {
		t.Fatalf("Append %s: %v", r.Type, err)
	}
	return w
}
