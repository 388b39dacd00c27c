package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAppendRoundTrip(t *testing.T) {
	path, j, fc := testJournal(t, Options{})
	var want []Record
	for _, r := range sampleRecords() {
		w, err := j.Append(r)
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		want = append(want, w)
		fc.Advance(1500 * time.Millisecond)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	got := readRecords(t, path)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read back differs:\n got %+v\nwant %+v", got, want)
	}
	for i, r := range got {
		if r.Seq != int64(i+1) {
			t.Errorf("record %d has seq %d", i, r.Seq)
		}
		if wantT := t0.Add(time.Duration(i) * 1500 * time.Millisecond); !r.Time.Equal(wantT) {
			t.Errorf("seq %d time %v, want %v", r.Seq, r.Time, wantT)
		}
	}
	v := mustVerify(t, path)
	if v.Records != int64(len(want)) || v.Head != want[len(want)-1].Hash {
		t.Fatalf("Verify = %+v, want %d records, head %s", v, len(want), want[len(want)-1].Hash)
	}
}

func TestAppendSetsChainFields(t *testing.T) {
	path, j, _ := testJournal(t, Options{})
	approver := Actor{Host: "ws17", User: `CORP\alice`, PID: 9}
	tests := []struct {
		name      string
		in        Record
		wantActor Actor
	}{
		{"caller seq, time, prev, hash ignored",
			Record{Type: TypeNote, Seq: 99, Time: t0.Add(time.Hour), Prev: "x", Hash: "y"}, fixedActor},
		{"approval keeps its approver",
			Record{Type: TypeApproval, Plan: "p-1", Action: "set_credential_mode:NS:acc", Actor: approver}, approver},
	}
	var prev string
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := j.Append(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Seq != int64(i+1) || got.Prev != prev || !got.Time.Equal(t0) || got.Actor != tt.wantActor {
				t.Fatalf("got seq %d prev %q time %v actor %+v", got.Seq, got.Prev, got.Time, got.Actor)
			}
			if seq, head := j.Head(); seq != got.Seq || head != got.Hash {
				t.Fatalf("Head() = %d %s, want %d %s", seq, head, got.Seq, got.Hash)
			}
			prev = got.Hash
		})
	}
	j.Close()
	mustVerify(t, path)
}

func TestAppendRejects(t *testing.T) {
	tests := []struct {
		name string
		r    Record
		want string
	}{
		{"unknown type", Record{Type: "launch"}, "unknown record type"},
		{"empty type", Record{}, "unknown record type"},
		{"unknown outcome", outcome("p", "a", "k", "s", "maybe"), "unknown outcome"},
		{"intent with outcome", func() Record { r := intent("p", "a", "k", "s"); r.Outcome = Applied; return r }(), "intent with outcome"},
		{"outcome without outcome", outcome("p", "a", "k", "s", ""), "without outcome"},
		{"intent without action", intent("p", "", "k", "s"), "without action id"},
		{"outcome without kind", outcome("p", "a", "", "s", Skipped), "without action id or kind"},
		{"detail not JSON", Record{Type: TypeNote, Detail: json.RawMessage("{oops")}, "not valid JSON"},
		{"too large", Record{Type: TypeNote, Error: strings.Repeat("x", MaxRecordSize)}, "record too large for the journal"},
	}
	path, j, _ := testJournal(t, Options{})
	defer j.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := j.Append(tt.r)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Append err = %v, want %q", err, tt.want)
			}
		})
	}
	if b := readFile(t, path); len(b) != 0 {
		t.Fatalf("rejected records were written: %q", b)
	}
	if seq, _ := j.Head(); seq != 0 {
		t.Fatalf("head seq %d after rejections", seq)
	}
	_, err := j.Append(Record{Type: TypeNote, Error: strings.Repeat("x", MaxRecordSize)})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("a record too large is %v, want ErrTooLarge", err)
	}
	if _, err := j.Append(Record{Type: TypeNote, Error: "short"}); err != nil {
		t.Errorf("the journal is unusable after a record too large: %v", err)
	}
}

// The line is what json.Marshal gives for the record with its hash, and
// the hash is over that line without the hash member: the documented form.
func TestEncodeIsMarshalWithHash(t *testing.T) {
	for _, r := range sampleRecords() {
		r.Seq, r.Time, r.Actor = 7, t0.Add(123456789), fixedActor
		line, hash, err := encode(r)
		if err != nil {
			t.Fatal(err)
		}
		r.Hash = hash
		want, _ := json.Marshal(r)
		if !bytes.Equal(line, append(want, '\n')) {
			t.Fatalf("encode:\n%s\nmarshal:\n%s", line, want)
		}
	}
}

func TestFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes")
	}
	tests := []struct {
		name     string
		existing os.FileMode // 0: no file yet
		wantWarn bool
	}{
		{"created 0600", 0, false},
		{"existing 0600 kept", 0o600, false},
		{"existing 0644 narrowed", 0o644, true},
		{"existing 0666 narrowed", 0o666, true},
		{"existing 0640 narrowed", 0o640, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := t.TempDir() + "/audit.jsonl"
			if tt.existing != 0 {
				writeFile(t, path, nil)
				if err := os.Chmod(path, tt.existing); err != nil {
					t.Fatal(err)
				}
			}
			var logs bytes.Buffer
			j := reopen(t, path, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			defer j.Close()
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm()&^0o600 != 0 {
				t.Fatalf("mode %v, want at most 0600", fi.Mode().Perm())
			}
			if warned := strings.Contains(logs.String(), "narrowing to 0600"); warned != tt.wantWarn {
				t.Fatalf("warned %v, want %v; logs: %s", warned, tt.wantWarn, logs.String())
			}
		})
	}
}

func TestOpenRefusesNonRegularFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Open(dir) err = %v", err)
	}
}

func TestLockIsExclusive(t *testing.T) {
	path, j, _ := testJournal(t, Options{})
	if _, err := Open(path, Options{}); !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open err = %v, want in use", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := j.Append(Record{Type: TypeNote}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close err = %v, want ErrClosed", err)
	}
	reopen(t, path, Options{}).Close()
}

func TestReopenContinuesChain(t *testing.T) {
	path, _ := writeRecords(t, sampleRecords())
	j := reopen(t, path, Options{})
	seq, head := j.Head()
	if seq != int64(len(sampleRecords())) || len(j.Recovered()) != 0 {
		t.Fatalf("reopen head %d, recovered %v", seq, j.Recovered())
	}
	r, err := j.Append(Record{Type: TypeNote})
	if err != nil {
		t.Fatal(err)
	}
	if r.Seq != seq+1 || r.Prev != head {
		t.Fatalf("appended seq %d prev %s after head %d %s", r.Seq, r.Prev, seq, head)
	}
	j.Close()
	mustVerify(t, path)
}

func TestConcurrentAppend(t *testing.T) {
	const workers, each = 16, 40
	path, j, fc := testJournal(t, Options{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				a := fmt.Sprintf("resend_status:PS%03d#%d", w, i)
				if _, err := j.Append(intent("pass-1", a, "resend_status", fmt.Sprintf("PS%03d", w))); err != nil {
					t.Error(err)
					return
				}
				fc.Advance(time.Millisecond)
			}
		}()
	}
	wg.Wait()
	j.Close()
	rs := readRecords(t, path)
	if len(rs) != workers*each {
		t.Fatalf("%d records, want %d", len(rs), workers*each)
	}
	for i, r := range rs {
		if r.Seq != int64(i+1) {
			t.Fatalf("record %d has seq %d", i, r.Seq)
		}
	}
	mustVerify(t, path)
}
