//go:build crashtest && unix

package crashpoint

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// helperEnv makes the test binary act as a process that meets a point.
const helperEnv = "CRASHPOINT_HELPER"

// TestHelperProcess is not a test: run by the tests below in a child
// process, it hits the point named by helperEnv five times, printing the
// count before each hit, and tears a write into the file it names.
func TestHelperProcess(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("helper process only")
	}
	point, path, _ := strings.Cut(spec, ",")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		os.Stdout.WriteString(strconv.Itoa(i) + "\n")
		if point == MidWrite {
			line := []byte(`{"seq":` + strconv.Itoa(i) + `,"pad":"0123456789"}` + "\n")
			TearWrite(f, line)
			f.Write(line)
			continue
		}
		Hit(point)
	}
}

// child runs the helper with the point armed at its n-th hit.
func child(t *testing.T, point string, n int) (stdout string, journal string, err error) {
	t.Helper()
	journal = filepath.Join(t.TempDir(), "j.jsonl")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+point+","+journal, EnvVar+"="+point+":"+strconv.Itoa(n))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	if !strings.Contains(errb.String(), "crashpoint: SIGKILL at "+point+":"+strconv.Itoa(n)) {
		t.Errorf("stderr %q does not name the crash point", errb.String())
	}
	return out.String(), journal, err
}

func killedBySIGKILL(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

func TestHitKillsAtTheNthHit(t *testing.T) {
	out, _, err := child(t, AfterIntent, 3)
	if !killedBySIGKILL(err) {
		t.Fatalf("helper ended with %v; want killed by SIGKILL", err)
	}
	if out != "1\n2\n3\n" {
		t.Errorf("helper printed %q; want hits 1 to 3, then death", out)
	}
}

func TestTearWriteLeavesHalfALine(t *testing.T) {
	out, journal, err := child(t, MidWrite, 2)
	if !killedBySIGKILL(err) {
		t.Fatalf("helper ended with %v; want killed by SIGKILL", err)
	}
	if out != "1\n2\n" {
		t.Errorf("helper printed %q", out)
	}
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	first := `{"seq":1,"pad":"0123456789"}` + "\n"
	second := `{"seq":2,"pad":"0123456789"}` + "\n"
	want := first + second[:len(second)/2]
	if string(data) != want {
		t.Errorf("file holds %q; want %q", data, want)
	}
}
