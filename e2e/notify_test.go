//go:build unix

package e2e

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// notifySocket is a fake systemd notify socket: a unixgram listener that
// keeps every message the daemon sends, in order.
type notifySocket struct {
	path string
	mu   sync.Mutex
	msgs []string
}

// listenNotify opens the socket in a short folder (socket paths have ~100
// bytes at most); it closes when the test ends.
func listenNotify(t *testing.T) *notifySocket {
	t.Helper()
	dir, err := os.MkdirTemp("", "sd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &notifySocket{path: filepath.Join(dir, "notify")}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: s.path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, string(buf[:n]))
			s.mu.Unlock()
		}
	}()
	return s
}

// env is what systemd gives a Type=notify unit with WatchdogSec=2.
func (s *notifySocket) env() []string {
	return []string{"NOTIFY_SOCKET=" + s.path, "WATCHDOG_USEC=2000000"}
}

// messages returns the messages so far.
func (s *notifySocket) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

// count returns how many messages so far start with prefix.
func (s *notifySocket) count(prefix string) int {
	n := 0
	for _, m := range s.messages() {
		if strings.HasPrefix(m, prefix) {
			n++
		}
	}
	return n
}
