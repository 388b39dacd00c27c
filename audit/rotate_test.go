package audit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/crashpoint"
)

// appendNotes appends n notes a minute apart.
func appendNotes(t testing.TB, j *Journal, fc interface{ Advance(time.Duration) }, n int) {
	t.Helper()
	for range n {
		mustAppend(t, j, Record{Type: TypeNote, Detail: JSON("x")})
		fc.Advance(time.Minute)
	}
}

func mustCheckpoint(t testing.TB, j *Journal, cp Checkpoint) {
	t.Helper()
	if err := j.Checkpoint(cp); err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
}

// seqs returns the seqs of every record ReadAll gives.
func seqs(t testing.TB, path string) []int64 {
	t.Helper()
	var out []int64
	for _, r := range readRecords(t, path) {
		out = append(out, r.Seq)
	}
	return out
}

func upTo(n int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

// files lists the journal's folder, without the lock, key and anchor.
func files(t testing.TB, path string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if !strings.HasSuffix(n, ".lock") && !strings.HasSuffix(n, ".anchor") && !strings.HasSuffix(n, ".key") {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func TestRotationContinuesTheChain(t *testing.T) {
	path, j, fc := testJournal(t, Options{Rotation: Rotation{Size: 1500, Age: 24 * time.Hour}})
	defer j.Close()
	appendNotes(t, j, fc, 3)
	mustCheckpoint(t, j, Checkpoint{}) // under 1500 bytes, young: no rotation
	if got := files(t, path); !reflect.DeepEqual(got, []string{"audit.jsonl"}) {
		t.Fatalf("files %v after a checkpoint below the limits", got)
	}
	appendNotes(t, j, fc, 5)
	carry := JSON(map[string]any{"breaker": map[string]any{"open": true}})
	mustCheckpoint(t, j, Checkpoint{Carry: carry}) // by size
	want := []string{"audit.jsonl", "audit.jsonl.seg-000000000001.jsonl"}
	if got := files(t, path); !reflect.DeepEqual(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	live := readRecords(t, path)[8]
	if live.Type != TypeSegment || live.Seq != 9 {
		t.Fatalf("live file starts with %s seq %d, want a segment record seq 9", live.Type, live.Seq)
	}
	var d SegmentDetail
	if err := json.Unmarshal(live.Detail, &d); err != nil || d.FirstSeq != 1 || d.LastSeq != 8 ||
		d.Previous != "audit.jsonl.seg-000000000001.jsonl" || string(d.Carry) != string(carry) {
		t.Fatalf("segment detail %s (%v)", live.Detail, err)
	}
	mustCheckpoint(t, j, Checkpoint{}) // only the segment record: no rotation
	fc.Advance(25 * time.Hour)
	appendNotes(t, j, fc, 1)
	mustCheckpoint(t, j, Checkpoint{}) // by age
	want = append(want, "audit.jsonl.seg-000000000009.jsonl")
	if got := files(t, path); !reflect.DeepEqual(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	j.Close()
	j = reopen(t, path, Options{})
	if seq, _ := j.Head(); seq != 11 {
		t.Fatalf("reopened head %d, want 11", seq)
	}
	mustAppend(t, j, Record{Type: TypeNote})
	j.Close()
	if got := seqs(t, path); !reflect.DeepEqual(got, upTo(12)) {
		t.Fatalf("ReadAll across segments = %v", got)
	}
	if v := mustVerify(t, path); v.Records != 12 || v.Segments != 2 || v.First != 1 {
		t.Fatalf("Verify = %+v", v)
	}
}

// A segment that does not chain to the one before, or removed from the
// middle, or the live file replaced: each is damage that Verify names.
func TestSegmentDamageDetected(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(t *testing.T, path string)
		problem string
	}{
		{"middle segment removed", func(t *testing.T, path string) {
			os.Remove(SegmentPath(path, 4))
		}, "seq 7 where 4 was expected"},
		{"oldest segment removed without a retention record", func(t *testing.T, path string) {
			os.Remove(SegmentPath(path, 1))
		}, "records 1–3 missing"},
		{"live file emptied", func(t *testing.T, path string) {
			writeFile(t, path, nil)
		}, "is empty after 2 segments"},
		{"a segment's last record cut", func(t *testing.T, path string) {
			seg := SegmentPath(path, 4)
			ls := splitLines(readFile(t, seg))
			writeFile(t, seg, []byte(strings.Join(strs(ls[:len(ls)-1]), "")))
		}, "seq 7 where 6 was expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := threeFiles(t)
			mustVerify(t, path)
			tt.damage(t, path)
			v, err := Verify(path)
			if err != nil || v.OK() || !strings.Contains(v.Problem, tt.problem) {
				t.Fatalf("Verify = %+v, %v; want a problem naming %q", v, err, tt.problem)
			}
		})
	}
}

func strs(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

// threeFiles makes a journal of two segments (1–3, 4–6) and a live file
// (7–9).
func threeFiles(t *testing.T) string {
	t.Helper()
	path, j, fc := testJournal(t, Options{Rotation: Rotation{Size: 1}})
	defer j.Close()
	appendNotes(t, j, fc, 3)
	mustCheckpoint(t, j, Checkpoint{})
	appendNotes(t, j, fc, 2)
	mustCheckpoint(t, j, Checkpoint{})
	appendNotes(t, j, fc, 2)
	return path
}

// crash stops a rotation or sweep at point as a kill would: the hook
// panics there, and the test abandons the journal (closing its handles,
// which a dying process does too) without anything else running.
type crash struct{ point string }

func crashAt(t *testing.T, j *Journal, point string, cp Checkpoint) {
	t.Helper()
	stepHook = func(p string) {
		if p == point {
			panic(crash{p})
		}
	}
	defer func() { stepHook = nil }()
	func() {
		defer func() {
			if v := recover(); v != nil {
				if _, ok := v.(crash); !ok {
					panic(v)
				}
			}
		}()
		j.Checkpoint(cp)
		t.Fatalf("no crash at %s", point)
	}()
	j.mu.Lock()
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
	j.locks.close()
	j.mu.Unlock()
}

// A crash at every step of a rotation loses nothing: after the restart the
// chain verifies, every record is there once, nothing is left over, and
// the next checkpoint rotates.
func TestRotationCrashPoints(t *testing.T) {
	for _, point := range []string{crashpoint.RotateCopied, crashpoint.RotateSealed,
		crashpoint.RotateNext, crashpoint.RotateSwitched} {
		t.Run(point, func(t *testing.T) {
			path, j, fc := testJournal(t, Options{Rotation: Rotation{Size: 1}})
			appendNotes(t, j, fc, 4)
			crashAt(t, j, point, Checkpoint{})
			j = reopen(t, path, Options{Rotation: Rotation{Size: 1}, Clock: fc})
			defer j.Close()
			seq, _ := j.Head()
			wantSeq := int64(4)
			if point == crashpoint.RotateSwitched {
				wantSeq = 5 // the new live file and its segment record are in place
			}
			if seq != wantSeq || len(j.Recovered()) != 0 {
				t.Fatalf("after a crash at %s: head %d (want %d), recovered %v", point, seq, wantSeq, j.Recovered())
			}
			for _, f := range files(t, path) {
				if strings.HasSuffix(f, ".tmp") || strings.HasSuffix(f, ".next") {
					t.Fatalf("left over: %s", f)
				}
			}
			if got := seqs(t, path); !reflect.DeepEqual(got, upTo(seq)) {
				t.Fatalf("records %v, want each of 1–%d once", got, seq)
			}
			mustVerify(t, path)
			appendNotes(t, j, fc, 1)
			mustCheckpoint(t, j, Checkpoint{})
			if got := files(t, path); len(got) < 2 {
				t.Fatalf("no rotation after the restart: %v", got)
			}
			j.Close()
			if got := seqs(t, path); !reflect.DeepEqual(got, upTo(seq+2)) {
				t.Fatalf("records %v after the next rotation", got)
			}
			mustVerify(t, path)
		})
	}
}

// ReadAll while a rotation is half done (the segment sealed, the live
// file not yet replaced) gives every record once.
func TestReadAllDuringRotation(t *testing.T) {
	path, j, fc := testJournal(t, Options{Rotation: Rotation{Size: 1}})
	appendNotes(t, j, fc, 3)
	var during []int64
	stepHook = func(p string) {
		if p == crashpoint.RotateNext {
			during = seqs(t, path)
		}
	}
	defer func() { stepHook = nil }()
	mustCheckpoint(t, j, Checkpoint{})
	j.Close()
	if !reflect.DeepEqual(during, upTo(3)) {
		t.Fatalf("ReadAll during the rotation = %v", during)
	}
	if v, err := Verify(path); err != nil || !v.OK() {
		t.Fatalf("Verify %+v %v", v, err)
	}
}

func TestRetention(t *testing.T) {
	day := 24 * time.Hour
	// Six segments, one a day, each two records; then the live file.
	build := func(t *testing.T, rot Rotation) (string, *Journal, *clock.Fake) {
		path, j, fc := testJournal(t, Options{Rotation: Rotation{Size: 1, RetainAge: rot.RetainAge, RetainSize: rot.RetainSize}})
		for range 6 {
			appendNotes(t, j, fc, 2)
			mustCheckpoint(t, j, Checkpoint{Needed: fc.Now()})
			fc.Advance(day)
		}
		return path, j, fc
	}
	tests := []struct {
		name     string
		rot      Rotation
		needed   func(now time.Time) time.Time
		wantLeft int // segments left
	}{
		{"by age: older than 3 days go", Rotation{RetainAge: 3*day + time.Hour}, func(now time.Time) time.Time { return now }, 3},
		{"all old, but a window still needs the last three", Rotation{RetainAge: time.Minute}, func(now time.Time) time.Time { return now.Add(-3*day - 12*time.Hour) }, 3},
		{"by size", Rotation{RetainSize: 1}, func(now time.Time) time.Time { return now }, 1},
		{"the newest segment is always kept", Rotation{RetainAge: time.Minute}, func(now time.Time) time.Time { return now }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, j, fc := build(t, Rotation{})
			defer j.Close()
			j.rot = Rotation{RetainAge: tt.rot.RetainAge, RetainSize: tt.rot.RetainSize} // no more rotation
			appendNotes(t, j, fc, 1)
			mustCheckpoint(t, j, Checkpoint{Needed: tt.needed(fc.Now())})
			segs, _ := listSegments(path)
			if len(segs) != tt.wantLeft {
				t.Fatalf("%d segments left, want %d", len(segs), tt.wantLeft)
			}
			j.Close()
			v := mustVerify(t, path)
			recs := readRecords(t, path)
			if tt.wantLeft < 6 {
				last := recs[len(recs)-1]
				var d RetentionDetail
				if last.Type != TypeRetention || json.Unmarshal(last.Detail, &d) != nil || len(d.Removed) != 6-tt.wantLeft {
					t.Fatalf("last record %s %s, want a retention record naming %d segments", last.Type, last.Detail, 6-tt.wantLeft)
				}
				if v.First != d.Removed[len(d.Removed)-1].LastSeq+1 {
					t.Fatalf("chain starts at %d, after removed seq %d", v.First, d.Removed[len(d.Removed)-1].LastSeq)
				}
			}
		})
	}
}

// A crash after the retention record and before the files go: the files
// are still there (the chain verifies with them), and the next sweep
// removes them.
func TestRetentionCrash(t *testing.T) {
	path, j, fc := testJournal(t, Options{Rotation: Rotation{Size: 1, RetainAge: time.Hour}})
	for range 3 {
		appendNotes(t, j, fc, 2)
		mustCheckpoint(t, j, Checkpoint{Needed: time.Time{}})
		fc.Advance(2 * time.Hour)
	}
	appendNotes(t, j, fc, 1)
	crashAt(t, j, crashpoint.RetainRecorded, Checkpoint{Needed: fc.Now()})
	if segs, _ := listSegments(path); len(segs) != 4 {
		t.Fatalf("%d segments after the crash, want all 4 still there", len(segs))
	}
	mustVerify(t, path)
	j = reopen(t, path, Options{Rotation: Rotation{Size: 1, RetainAge: time.Hour}, Clock: fc})
	defer j.Close()
	mustCheckpoint(t, j, Checkpoint{Needed: fc.Now()})
	for _, first := range []int64{1, 3, 6} {
		if _, err := os.Stat(SegmentPath(path, first)); !os.IsNotExist(err) {
			t.Fatalf("segment %d still there after the next sweep (%v)", first, err)
		}
	}
	j.Close()
	mustVerify(t, path)
}

// A segment written while the clock ran hours ahead, then corrected, ends
// with an old record but holds future ones that a window still counts:
// retention judges it by its latest record, not its last.
func TestRetentionJudgesBySegmentsLatestRecord(t *testing.T) {
	path, j, fc := testJournal(t, Options{Rotation: Rotation{Size: 1, RetainSize: 1}})
	defer j.Close()
	fc.Set(t0.Add(5 * time.Hour)) // the clock runs ahead
	appendNotes(t, j, fc, 2)
	fc.Set(t0) // corrected
	appendNotes(t, j, fc, 1)
	mustCheckpoint(t, j, Checkpoint{Needed: fc.Now().Add(-time.Hour)})
	appendNotes(t, j, fc, 2)
	mustCheckpoint(t, j, Checkpoint{Needed: fc.Now().Add(-time.Hour)})
	fc.Advance(2 * time.Hour)
	appendNotes(t, j, fc, 1)
	mustCheckpoint(t, j, Checkpoint{Needed: fc.Now().Add(-time.Hour)}) // needed from t0+1h
	if _, err := os.Stat(SegmentPath(path, 1)); err != nil {
		t.Fatalf("the segment holding records stamped t0+5h was removed at t0+2h (%v)", err)
	}
	fc.Set(t0.Add(7 * time.Hour))
	appendNotes(t, j, fc, 1)
	mustCheckpoint(t, j, Checkpoint{Needed: fc.Now().Add(-time.Hour)})
	if _, err := os.Stat(SegmentPath(path, 1)); !os.IsNotExist(err) {
		t.Fatalf("the segment is still there once its latest record is out of every window (%v)", err)
	}
}
