//go:build crashtest && unix

package audit

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// batchHelperEnv makes the test binary a process that batches records
// and is killed before any fsync would have made them durable.
const batchHelperEnv = "AUDIT_BATCH_HELPER"

// TestBatchHelperProcess is not a test: in a child process it appends an
// intent, then three batched records, then kills itself with SIGKILL.
func TestBatchHelperProcess(t *testing.T) {
	path := os.Getenv(batchHelperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(intent("p1", "a1", "resend_status", "PS001")); err != nil {
		t.Fatal(err)
	}
	for _, r := range []Record{withRule(outcome("p1", "a2", "resend_status", "PS002", Skipped), "dry_run"),
		{Type: TypeNote, Detail: JSON("batched")}, {Type: TypePassEnd, Pass: "p1"}} {
		if _, err := j.AppendBatched(r); err != nil {
			t.Fatal(err)
		}
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
}

// A process killed right after batched appends loses none of them: each
// was written before AppendBatched returned; only the fsync was shared.
func TestBatchedRecordsSurviveSIGKILL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	cmd := exec.Command(os.Args[0], "-test.run=^TestBatchHelperProcess$")
	cmd.Env = append(os.Environ(), batchHelperEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
		t.Fatalf("helper not killed: %v\n%s", err, stderr.String())
	}
	j := reopen(t, path, Options{})
	j.Close()
	var types []Type
	for _, r := range readRecords(t, path) {
		types = append(types, r.Type)
	}
	want := []Type{TypeIntent, TypeOutcome, TypeNote, TypePassEnd, TypeIndeterminate}
	if len(types) != len(want) {
		t.Fatalf("records %v after SIGKILL, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("records %v after SIGKILL, want %v", types, want)
		}
	}
	mustVerify(t, path)
}
