package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
)

// fakeNotifier records what the daemon tells its service manager, with
// what the journal held at that moment.
type fakeNotifier struct {
	journal string
	every   time.Duration
	events  chan string
}

func (f *fakeNotifier) record(what string) {
	types := map[audit.Type]int{}
	_ = audit.ReadAll(f.journal, func(r audit.Record) error { types[r.Type]++; return nil })
	f.events <- fmt.Sprintf("%s startup=%d", what, types[audit.TypeStartup])
}

func (f *fakeNotifier) Ready(status string)          { f.record("ready " + status) }
func (f *fakeNotifier) Reloading()                   { f.record("reloading") }
func (f *fakeNotifier) Stopping()                    { f.record("stopping") }
func (f *fakeNotifier) Watchdog()                    { f.record("watchdog") }
func (f *fakeNotifier) WatchdogEvery() time.Duration { return f.every }

// next waits for the daemon's next message. The bound only turns a hang
// into a failure.
func (f *fakeNotifier) next(t *testing.T) string {
	t.Helper()
	select {
	case e := <-f.events:
		return e
	case <-time.After(20 * time.Second):
		t.Fatal("no notification within a minute")
		return ""
	}
}

// daemonRun is `reconciler run` in-process with a fake clock and notifier.
type daemonRun struct {
	clk    *clock.Fake
	n      *fakeNotifier
	cancel context.CancelFunc
	done   chan int
	once   sync.Once
	code   int
	stderr *lockedBuf
}

// exit waits for the daemon's exit code.
func (d *daemonRun) exit() int {
	d.once.Do(func() { d.code = <-d.done })
	return d.code
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startRun(t *testing.T, policyPath string, every time.Duration) *daemonRun {
	t.Helper()
	journal := filepath.Join(filepath.Dir(policyPath), "audit.jsonl")
	d := &daemonRun{clk: clock.NewFake(t0), done: make(chan int, 1), stderr: &lockedBuf{},
		n: &fakeNotifier{journal: journal, every: every, events: make(chan string, 64)}}
	e := &env{stdout: io.Discard, stderr: d.stderr, getenv: func(string) string { return "" },
		isTerminal: func(io.Writer) bool { return false }, clock: d.clk, notifier: d.n}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go func() { d.done <- run(ctx, e, []string{"run", "--policy", policyPath, "--log-level", "error"}) }()
	t.Cleanup(func() {
		cancel()
		d.exit()
	})
	return d
}

// The daemon says it is ready only once its journal is open (the startup
// record is in it), pings the watchdog on its loop's beat, brackets a
// reload with reloading/ready, and says it is stopping when cancelled.
func TestDaemonTellsTheServiceManager(t *testing.T) {
	dir := t.TempDir()
	extra := "reconcile {\n  schedule = \"@every 1h\"\n}\nhttp {\n  listen = \"\"\n}\n"
	path := simPolicy(t, dir, extra)
	d := startRun(t, path, 30*time.Second)
	if got := d.n.next(t); !strings.HasPrefix(got, "ready leader: passes on \"@every 1h\" (UTC), mode") || !strings.HasSuffix(got, "startup=1") {
		t.Fatalf("first message %q; want ready as leader, after the startup record", got)
	}
	for range 2 {
		d.clk.WaitForTimers(2) // the next wake and the watchdog beat
		d.clk.Advance(30 * time.Second)
		if got := d.n.next(t); got != "watchdog startup=1" {
			t.Fatalf("got %q, want a watchdog ping", got)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Replace(readFile(t, path), "@every 1h", "@every 2h", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := d.n.next(t); got != "reloading startup=1" {
		t.Fatalf("got %q after the policy changed, want reloading", got)
	}
	if got := d.n.next(t); !strings.HasPrefix(got, "ready policy reloaded; leader: passes on \"@every 2h\"") {
		t.Fatalf("got %q, want ready with the new policy", got)
	}
	d.cancel()
	if got := d.n.next(t); got != "stopping startup=1" {
		t.Fatalf("got %q after the stop, want stopping", got)
	}
	if code := d.exit(); code != exitOK {
		t.Fatalf("exit %d: %s", code, d.stderr.String())
	}
}

// A daemon whose journal cannot be opened never says it is ready: the
// start fails, and the service manager sees the exit code.
func TestDaemonNotReadyWithoutItsJournal(t *testing.T) {
	dir := t.TempDir()
	path := simPolicy(t, dir, "http {\n  listen = \"\"\n}\n")
	if err := os.Mkdir(filepath.Join(dir, "audit.jsonl"), 0o700); err != nil { // a folder where the journal goes
		t.Fatal(err)
	}
	d := startRun(t, path, 0)
	code := d.exit()
	if code != exitError || !strings.Contains(d.stderr.String(), "journal") {
		t.Fatalf("exit %d, stderr %q; want 1 naming the journal", code, d.stderr.String())
	}
	select {
	case e := <-d.n.events:
		t.Fatalf("told the service manager %q", e)
	default:
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
