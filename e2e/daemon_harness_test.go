//go:build unix

package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// pollEvery is how often a wait looks at its condition again.
const pollEvery = 100 * time.Millisecond

// daemon is a `reconciler run` process on an estate.
type daemon struct {
	e      *estate
	addr   string // http.listen
	cmd    *exec.Cmd
	stderr lockedBuffer
	done   chan struct{} // closed when the process has ended
	err    error         // its Wait error, once done is closed
}

// lockedBuffer collects the daemon's stderr while tests read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startDaemon starts `reconciler run` with extra environment variables;
// the test's cleanup kills it if the test did not stop it.
func startDaemon(e *estate, addr string, extraEnv ...string) *daemon {
	e.t.Helper()
	d := &daemon{e: e, addr: addr, done: make(chan struct{})}
	d.cmd = exec.Command(e.bin, "run", "--policy", e.policyPath(), "--log-level", "info")
	d.cmd.Dir, d.cmd.Env = e.dir, append(e.env(""), extraEnv...)
	d.cmd.Stderr = &d.stderr
	if err := d.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() {
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	e.t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			d.cmd.Process.Kill()
			<-d.done
		}
	})
	return d
}

// waitFor polls cond until it holds, the daemon ends, or within expires.
func (d *daemon) waitFor(what string, within time.Duration, cond func() bool) {
	d.e.t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !cond() {
		select {
		case <-d.done:
			d.e.t.Fatalf("daemon ended (%v) while waiting for %s; stderr:\n%s", d.err, what, tail(d.stderr.String(), 3000))
		case <-deadline.C:
			d.e.t.Fatalf("no %s within %s; stderr:\n%s", what, within, tail(d.stderr.String(), 3000))
		case <-tick.C:
		}
	}
}

// signal sends sig to the daemon.
func (d *daemon) signal(sig syscall.Signal) {
	d.e.t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		d.e.t.Fatalf("send %v: %v", sig, err)
	}
}

// get fetches a path of the daemon's HTTP endpoint: status code and body,
// or -1 when it does not answer.
func (d *daemon) get(path string) (int, string) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + d.addr + path)
	if err != nil {
		return -1, err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return -1, err.Error()
	}
	return resp.StatusCode, string(body)
}

// stop sends SIGTERM and waits for the exit, within a bound.
func (d *daemon) stop(within time.Duration) (code int, took time.Duration) {
	d.e.t.Helper()
	start := time.Now()
	d.signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(within):
		d.e.t.Fatalf("daemon still running %s after SIGTERM; stderr:\n%s", within, tail(d.stderr.String(), 3000))
	}
	code, sig := exitOf(d.err)
	if sig != 0 || code < 0 {
		d.e.t.Fatalf("daemon ended by %v (%v)", sig, d.err)
	}
	return code, time.Since(start)
}

func (d *daemon) String() string {
	return fmt.Sprintf("daemon pid %d on %s", d.cmd.Process.Pid, d.addr)
}
