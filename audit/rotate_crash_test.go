//go:build crashtest && unix

package audit

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/crashpoint"
)

// rotateHelperEnv makes the test binary a process that rotates a journal.
const rotateHelperEnv = "AUDIT_ROTATE_HELPER"

// TestRotateHelperProcess is not a test: in a child process it appends
// four notes to the journal named by rotateHelperEnv, then checkpoints
// with rotation and retention on, where the armed crash point kills it.
func TestRotateHelperProcess(t *testing.T) {
	path := os.Getenv(rotateHelperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	fc := clock.NewFake(t0)
	j, err := Open(path, Options{Clock: fc, Rotation: Rotation{Size: 1, RetainAge: 1}})
	if err != nil {
		t.Fatal(err)
	}
	appendNotes(t, j, fc, 4)
	if err := j.Checkpoint(Checkpoint{Needed: fc.Now()}); err != nil {
		t.Fatal(err)
	}
	appendNotes(t, j, fc, 2)
	if err := j.Checkpoint(Checkpoint{Needed: fc.Now()}); err != nil {
		t.Fatal(err)
	}
}

// A real SIGKILL at each point of a rotation and of a retention sweep
// loses no record: the next Open finds every record once, the chain
// verifies, and nothing an unfinished rotation wrote is left over.
func TestRotationSurvivesSIGKILL(t *testing.T) {
	for _, point := range []string{crashpoint.RotateCopied, crashpoint.RotateSealed, crashpoint.RotateNext,
		crashpoint.RotateSwitched, crashpoint.RetainRecorded} {
		for _, n := range []int{1, 2} {
			t.Run(point+":"+itoa(n), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "audit.jsonl")
				cmd := exec.Command(os.Args[0], "-test.run=^TestRotateHelperProcess$")
				cmd.Env = append(os.Environ(), rotateHelperEnv+"="+path, crashpoint.EnvVar+"="+point+":"+itoa(n))
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				err := cmd.Run()
				var ee *exec.ExitError
				if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
					if point != crashpoint.RetainRecorded || n == 1 {
						t.Fatalf("helper not killed at %s:%d: %v\n%s", point, n, err, stderr.String())
					}
				}
				j := reopen(t, path, Options{Rotation: Rotation{Size: 1}})
				seq, _ := j.Head()
				j.Close()
				v := mustVerify(t, path)
				if got := seqs(t, path); !reflect.DeepEqual(got, upTo(seq)[v.First-1:]) {
					t.Fatalf("after SIGKILL at %s:%d: records %v, want %d–%d once each", point, n, got, v.First, seq)
				}
				if v.HeadSeq < 4 || v.First > 1 && v.First != 5 {
					t.Fatalf("after SIGKILL at %s:%d: %+v, want the 4 notes kept or removed by retention as a whole segment", point, n, v)
				}
				for _, f := range files(t, path) {
					if strings.HasSuffix(f, ".tmp") || strings.HasSuffix(f, ".next") {
						t.Fatalf("left over: %s", f)
					}
				}
			})
		}
	}
}

func itoa(n int) string { return string(rune('0' + n)) }
