//go:build unix

package sdnotify

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeSystemd is a notify socket: a unixgram listener like systemd's.
type fakeSystemd struct {
	conn *net.UnixConn
}

// listen creates the socket in a short folder (a socket path has ~100
// bytes at most) and points NOTIFY_SOCKET at it.
func listen(t *testing.T) *fakeSystemd {
	t.Helper()
	dir, err := os.MkdirTemp("", "sd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return &fakeSystemd{conn: conn}
}

// next reads one datagram; messages are sent before the call returns, so
// it is already queued.
func (f *fakeSystemd) next(t *testing.T) string {
	t.Helper()
	f.conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // a bound, not a timing: the datagram is queued
	buf := make([]byte, 4096)
	n, err := f.conn.Read(buf)
	if err != nil {
		t.Fatalf("no notification: %v", err)
	}
	return string(buf[:n])
}

func monotonicUsec(t *testing.T) int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Skipf("no monotonic clock: %v", err)
	}
	return ts.Sec*1_000_000 + ts.Nsec/1000
}

func TestNotifications(t *testing.T) {
	sd := listen(t)
	t.Setenv("WATCHDOG_USEC", "30000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	n := New(nil)
	if got := n.WatchdogEvery(); got != 15*time.Second {
		t.Fatalf("WatchdogEvery = %v, want half of 30s", got)
	}
	n.Ready("leader: passes on */5 * * * *\nsecond line")
	if got := sd.next(t); got != "READY=1\nSTATUS=leader: passes on */5 * * * * second line\n" {
		t.Fatalf("ready: %q", got)
	}
	before := monotonicUsec(t)
	n.Reloading()
	after := monotonicUsec(t)
	msg := sd.next(t)
	lines := strings.Split(strings.TrimSuffix(msg, "\n"), "\n")
	if len(lines) != 3 || lines[0] != "RELOADING=1" || lines[2] != "STATUS=reloading the policy" {
		t.Fatalf("reloading: %q", msg)
	}
	usec, err := strconv.ParseInt(strings.TrimPrefix(lines[1], "MONOTONIC_USEC="), 10, 64)
	if err != nil || usec < before || usec > after {
		t.Fatalf("reloading: %q; want MONOTONIC_USEC between %d and %d", lines[1], before, after)
	}
	n.Watchdog()
	if got := sd.next(t); got != "WATCHDOG=1" {
		t.Fatalf("watchdog: %q", got)
	}
	n.Stopping()
	if got := sd.next(t); !strings.HasPrefix(got, "STOPPING=1\nSTATUS=stopping") {
		t.Fatalf("stopping: %q", got)
	}
}

func TestWatchdogSettings(t *testing.T) {
	tests := []struct {
		usec, pid string
		want      time.Duration
	}{
		{"", "", 0},
		{"4000000", "", 2 * time.Second},
		{"4000000", strconv.Itoa(os.Getpid()), 2 * time.Second},
		{"4000000", "1", 0}, // meant for another process
		{"garbage", "", 0},  // logged, ignored
		{"-5", "", 0},       // logged, ignored
	}
	for _, tt := range tests {
		t.Setenv("WATCHDOG_USEC", tt.usec)
		t.Setenv("WATCHDOG_PID", tt.pid)
		if got := New(nil).WatchdogEvery(); got != tt.want {
			t.Errorf("WATCHDOG_USEC=%q WATCHDOG_PID=%q: every %v, want %v", tt.usec, tt.pid, got, tt.want)
		}
	}
}

// Without NOTIFY_SOCKET nothing is sent and nothing fails.
func TestOutsideSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	var logs bytes.Buffer
	n := New(slog.New(slog.NewTextHandler(&logs, nil)))
	n.Ready("x")
	n.Reloading()
	n.Watchdog()
	n.Stopping()
	if logs.Len() != 0 {
		t.Fatalf("logged %q", logs.String())
	}
}

// A socket that went away: each state change is logged, a failing ping
// only once until one gets through.
func TestFailuresAreLogged(t *testing.T) {
	var logs bytes.Buffer
	n := New(slog.New(slog.NewTextHandler(&logs, nil)))
	fail := true
	n.send = func(string) (bool, error) {
		if fail {
			return false, errors.New("connection refused")
		}
		return true, nil
	}
	n.Watchdog()
	n.Watchdog()
	n.Ready("x")
	if got := strings.Count(logs.String(), "watchdog ping failed"); got != 1 {
		t.Fatalf("%d ping failures logged, want 1:\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "state=ready") {
		t.Fatalf("ready failure not logged:\n%s", logs.String())
	}
	fail = false
	n.Watchdog()
	fail = true
	n.Watchdog()
	if got := strings.Count(logs.String(), "watchdog ping failed"); got != 2 {
		t.Fatalf("%d ping failures logged after a success and a new failure, want 2", got)
	}
}
