package audit

import (
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
)

// countingFile counts the fsyncs of the journal's append handle and
// remembers the file's size at the last one.
type countingFile struct {
	*os.File
	c *syncCount
}

type syncCount struct {
	mu     sync.Mutex
	n      int
	synced int64 // the file's size at the last sync
}

func (c *syncCount) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *syncCount) open(path string) (File, error) {
	f, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	return &countingFile{File: f.(*os.File), c: c}, nil
}

func (f *countingFile) Sync() error {
	if err := f.File.Sync(); err != nil {
		return err
	}
	fi, err := f.File.Stat()
	if err != nil {
		return err
	}
	f.c.mu.Lock()
	f.c.n++
	f.c.synced = fi.Size()
	f.c.mu.Unlock()
	return nil
}

// batchJournal is a journal whose fsyncs are counted.
func batchJournal(t *testing.T, opt Options) (string, *Journal, *syncCount) {
	t.Helper()
	c := &syncCount{}
	opt.OpenFile = c.open
	path, j, _ := testJournal(t, opt)
	return path, j, c
}

// The durability rule (RELIABILITY.md): AppendBatched leaves the fsync to
// a later record only for records that gate nothing; an intent, the
// outcome of an action that ran, and every other type are on disk when it
// returns.
func TestAppendBatchedSyncsOnlyWhatGatesSomething(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rec    Record
		synced bool
	}{
		{"intent", intent("p1", "a1", "resend_status", "PS001"), true},
		{"applied", outcome("p1", "a1", "resend_status", "PS001", Applied), true},
		{"failed", outcome("p1", "a1", "resend_status", "PS001", Failed), true},
		{"skipped (dry-run)", withRule(outcome("p1", "a1", "resend_status", "PS001", Skipped), "dry_run"), false},
		{"deferred", withRule(outcome("p1", "a1", "resend_status", "PS001", Deferred), "limit"), false},
		{"pass_start", Record{Type: TypePassStart, Pass: "p1"}, false},
		{"pass_end", Record{Type: TypePassEnd, Pass: "p1", Detail: JSON(map[string]any{"actions": 1})}, false},
		{"note", Record{Type: TypeNote, Detail: JSON("a note")}, false},
		{"observation", Record{Type: TypeObservation, Pass: "p1", Detail: JSON(map[string]any{"pairs": 1})}, false},
		{"breaker", Record{Type: TypeBreaker, Detail: JSON(map[string]any{"tripped": true})}, true},
		{"approval", Record{Type: TypeApproval, Plan: "p-1", Detail: JSON(map[string]any{"by": "alice"})}, true},
		{"policy_reload", Record{Type: TypePolicyReload, Detail: JSON(map[string]any{"hash": "x"})}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, j, c := batchJournal(t, Options{})
			defer j.Close()
			before := c.get()
			if _, err := j.AppendBatched(tc.rec); err != nil {
				t.Fatal(err)
			}
			if got := c.get() - before; got != map[bool]int{true: 1, false: 0}[tc.synced] {
				t.Errorf("%d fsyncs, want synced=%v", got, tc.synced)
			}
			if Batchable(tc.rec) == tc.synced {
				t.Errorf("Batchable = %v, want %v", Batchable(tc.rec), !tc.synced)
			}
		})
	}
}

func withRule(r Record, rule string) Record { r.Rule = rule; return r }

// A batch of records that gate nothing shares one fsync: the next record
// that needs one (an intent) makes them all durable with it.
func TestBatchSharesOneFsyncWithTheNextIntent(t *testing.T) {
	path, j, c := batchJournal(t, Options{})
	before := c.get()
	mustBatch(t, j, Record{Type: TypePassStart, Pass: "p1"})
	for i := range 100 {
		mustBatch(t, j, withRule(outcome("p1", "a"+strconv.Itoa(i), "resend_status", "PS001", Skipped), "dry_run"))
	}
	if got := c.get() - before; got != 0 {
		t.Fatalf("%d fsyncs for 101 batched records, want 0", got)
	}
	mustAppend(t, j, intent("p1", "b1", "resend_status", "PS002"))
	if got := c.get() - before; got != 1 {
		t.Fatalf("%d fsyncs after the intent, want 1", got)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if got := c.get() - before; got != 1 {
		t.Errorf("%d fsyncs after Close with nothing waiting, want 1", got)
	}
	if res := mustVerify(t, path); res.Records != 102 {
		t.Errorf("%d records, want 102", res.Records)
	}
}

// Sync, Checkpoint and Close each end a batch with one fsync, and none
// when nothing waits.
func TestSyncCheckpointCloseEndABatch(t *testing.T) {
	for _, end := range []string{"sync", "checkpoint", "close"} {
		t.Run(end, func(t *testing.T) {
			path, j, c := batchJournal(t, Options{})
			if err := j.Sync(); err != nil || c.get() != 0 {
				t.Fatalf("Sync with nothing batched: %d fsyncs, %v", c.get(), err)
			}
			mustBatch(t, j, Record{Type: TypeNote, Detail: JSON("one")})
			mustBatch(t, j, Record{Type: TypeNote, Detail: JSON("two")})
			var err error
			switch end {
			case "sync":
				err = j.Sync()
			case "checkpoint":
				err = j.Checkpoint(Checkpoint{})
			case "close":
				err = j.Close()
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.get() != 1 {
				t.Errorf("%d fsyncs, want 1", c.get())
			}
			if c.synced != fileSize(t, path) {
				t.Errorf("synced up to %d of %d bytes", c.synced, fileSize(t, path))
			}
			j.Close()
		})
	}
}

// Forward receives a batched record only once it is durable, in order.
func TestForwardWaitsForTheBatchSync(t *testing.T) {
	var got []int64
	_, j, _ := batchJournal(t, Options{Forward: func(r Record) { got = append(got, r.Seq) }})
	defer j.Close()
	first := int64(len(got))
	mustBatch(t, j, Record{Type: TypePassStart, Pass: "p1"})
	mustBatch(t, j, Record{Type: TypeNote, Detail: JSON("n")})
	if int64(len(got)) != first {
		t.Fatalf("forwarded %v before the batch was synced", got)
	}
	r := mustAppend(t, j, intent("p1", "a1", "resend_status", "PS001"))
	if n := len(got); n < 3 || got[n-3] != r.Seq-2 || got[n-2] != r.Seq-1 || got[n-1] != r.Seq {
		t.Errorf("forwarded %v, want the batch then the intent (seq %d)", got, r.Seq)
	}
}

// A machine crash (the kernel drops the pages written since the last
// fsync) may lose batched records, never an intent nor anything before
// it: the journal reopens on a verified chain ending at the last synced
// record.
func TestMachineCrashLosesOnlyBatchedRecords(t *testing.T) {
	path, j, c := batchJournal(t, Options{})
	mustBatch(t, j, Record{Type: TypePassStart, Pass: "p1"})
	in := mustAppend(t, j, intent("p1", "a1", "resend_status", "PS001"))
	mustBatch(t, j, withRule(outcome("p1", "a2", "resend_status", "PS002", Skipped), "dry_run"))
	mustBatch(t, j, Record{Type: TypeNote, Detail: JSON("after")})
	c.mu.Lock()
	synced := c.synced
	c.mu.Unlock()
	j.Close() // releases the lock; the crash below is what the disk keeps
	if err := os.Truncate(path, synced); err != nil {
		t.Fatal(err)
	}
	j2 := reopen(t, path, Options{})
	defer j2.Close()
	rs := readRecords(t, path)
	found := false
	for _, r := range rs {
		if r.Seq == in.Seq && r.Type == TypeIntent && r.Hash == in.Hash {
			found = true
		}
		if r.Type == TypeNote && string(r.Detail) == `"after"` {
			t.Errorf("a record batched after the last fsync survived a truncation to it")
		}
	}
	if !found {
		t.Fatalf("the synced intent is gone: %v", rs)
	}
	mustVerify(t, path)
}

func mustBatch(t testing.TB, j *Journal, r Record) Record {
	t.Helper()
	w, err := j.AppendBatched(r)
	if err != nil {
		t.Fatalf("AppendBatched(%s): %v", r.Type, err)
	}
	return w
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// After a failed fsync the journal reopens as after any failed sync,
// whether the file kept the batched records written since the last good
// one or the kernel dropped them: they were never durable, so losing them
// is not losing an acknowledged record.
func TestFailedSyncAfterABatchReopens(t *testing.T) {
	for _, tc := range []struct {
		name string
		drop bool
		kept int // batched notes in the file after the reopen
	}{{"the lines reached the file", false, 3}, {"the kernel dropped them", true, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			x := &faults{}
			path, j, _ := testJournal(t, Options{OpenFile: x.openFile})
			defer j.Close()
			mustAppend(t, j, Record{Type: TypePassStart, Pass: "p1"})
			for range 3 {
				mustBatch(t, j, Record{Type: TypeNote, Detail: JSON("batched")})
			}
			x.set(func(x *faults) { x.sync, x.drop = syscall.EIO, tc.drop })
			if _, err := j.Append(intent("p1", "a1", "resend_status", "PS001")); err == nil {
				t.Fatal("Append succeeded under the fault")
			}
			x.set(noFaults)
			if err := j.Check(); err != nil {
				t.Fatalf("Check after the disk recovered = %v", err)
			}
			mustAppend(t, j, Record{Type: TypePassEnd, Pass: "p1"})
			j.Close()
			mustVerify(t, path)
			notes := 0
			for _, r := range readRecords(t, path) {
				if r.Type == TypeNote {
					notes++
				}
			}
			if notes != tc.kept {
				t.Errorf("%d batched notes after the reopen, want %d", notes, tc.kept)
			}
		})
	}
}

// The intents of a batch of actions, appended unsynced, share the one
// fsync of the Sync that the executor calls before it starts them.
func TestUnsyncedIntentsShareTheSync(t *testing.T) {
	path, j, c := batchJournal(t, Options{})
	before := c.get()
	for i := range 64 {
		if _, err := j.AppendUnsynced(intent("p1", "a"+strconv.Itoa(i), "resend_status", "PS"+strconv.Itoa(100+i))); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.get() - before; got != 0 {
		t.Fatalf("%d fsyncs for 64 unsynced intents, want 0", got)
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := c.get() - before; got != 1 {
		t.Fatalf("%d fsyncs after Sync, want 1", got)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if res := mustVerify(t, path); res.Records != 64 {
		t.Errorf("%d records, want 64", res.Records)
	}
}
