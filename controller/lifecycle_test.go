package controller

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
)

// pings records Alive calls.
type pings struct{ ch chan time.Time }

func newPings() *pings { return &pings{ch: make(chan time.Time, 64)} }

func (p *pings) hooks(r *rig, every time.Duration) Hooks {
	return Hooks{Alive: func() { p.ch <- r.clk.Now() }, AliveEvery: every}
}

// none reports whether no ping is waiting.
func (p *pings) none() bool {
	select {
	case <-p.ch:
		return false
	default:
		return true
	}
}

// runWith starts RunWith with hooks on the rig's fake clock.
func (r *rig) runWith(h Hooks) *loop {
	ctx, cancel := context.WithCancel(context.Background())
	l := &loop{r: r, cancel: cancel, done: make(chan error, 1)}
	go func() { l.done <- r.ctl.RunWith(ctx, nil, h) }()
	r.t.Cleanup(l.stop)
	return l
}

// An idle loop pings the watchdog every AliveEvery, from its own
// goroutine's wait: each ping comes at the beat's time.
func TestWatchdogPingsWhileTheLoopWaits(t *testing.T) {
	r := newRig(t, scenario(t, healthyScenario), "reconcile {\n schedule = \"@every 1h\"\n}\n")
	p := newPings()
	l := r.runWith(p.hooks(r, 20*time.Second))
	for i := 1; i <= 5; i++ {
		r.clk.WaitForTimers(2) // the next wake and the beat
		r.clk.Advance(20 * time.Second)
		if at := <-p.ch; !at.Equal(t0.Add(time.Duration(i) * 20 * time.Second)) {
			t.Fatalf("ping %d at %v", i, at)
		}
	}
	l.stop()
	if n := len(r.passStarts()); n != 0 {
		t.Fatalf("%d passes before the first schedule time", n)
	}
}

// A pass that hangs (a driver call that never returns, ignoring its
// context) keeps the watchdog fed only while it is within its bound:
// pass_timeout 20m + call_timeout 1m + 1m. Past it the pings stop, so
// systemd restarts the daemon; if the pass ends after all, they resume.
func TestWatchdogStopsForAPassPastItsBound(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario),
		"reconcile {\n schedule = \"@every 10m\"\n pass_timeout = \"20m\"\n call_timeout = \"1m\"\n}\n")
	started, release := make(chan struct{}), make(chan struct{})
	var once, released sync.Once
	free := func() { released.Do(func() { close(release) }) }
	r.ctl.site.Driver = &flaky{Driver: r.site, hook: func(actions.Action) {
		once.Do(func() { close(started); <-release })
	}}
	p := newPings()
	l := r.runWith(p.hooks(r, 7*time.Minute))
	t.Cleanup(free) // runs before the loop's stop: a failed test must not leave the pass hanging
	r.clk.WaitForTimers(2)
	r.clk.Set(t0.Add(7 * time.Minute)) // idle: ping
	if at := <-p.ch; !at.Equal(t0.Add(7 * time.Minute)) {
		t.Fatalf("idle ping at %v", at)
	}
	r.clk.WaitForTimers(2)
	r.clk.Set(t0.Add(10 * time.Minute)) // the pass starts and hangs in the driver
	<-started
	for _, m := range []time.Duration{14, 21, 28} { // within 10m + 22m
		created := r.clk.Created()
		r.clk.Set(t0.Add(m * time.Minute))
		if at := <-p.ch; !at.Equal(t0.Add(m * time.Minute)) {
			t.Fatalf("ping during the pass at %v, want %vm", at, m)
		}
		r.clk.WaitForCreated(created + 1)
	}
	for _, m := range []time.Duration{35, 42, 49} { // past 32m: hung
		created := r.clk.Created()
		r.clk.Set(t0.Add(m * time.Minute))
		r.clk.WaitForCreated(created + 1) // the beat came and was re-armed
		if !p.none() {
			t.Fatalf("ping at %vm from a pass past its bound", m)
		}
	}
	free() // the pass ends after all: the loop is alive again
	for p.none() {
		created := r.clk.Created()
		next, _ := r.clk.Next()
		r.clk.Set(next)
		r.clk.WaitForCreated(created + 1)
	}
	l.stop()
}

// Reloaded is called once the new policy is in force.
func TestReloadedHook(t *testing.T) {
	r := newRig(t, scenario(t, healthyScenario), "reconcile {\n schedule = \"@every 10m\"\n}\n")
	next := parsePolicy(t, r.dir, "reconcile {\n schedule = \"@every 30m\"\n}\n")
	reloaded := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rl := make(chan *policy.Policy)
	done := make(chan error, 1)
	go func() {
		done <- r.ctl.RunWith(ctx, rl, Hooks{Reloaded: func() { reloaded <- r.ctl.Policy().Reconcile.Schedule }})
	}()
	rl <- next
	if got := <-reloaded; got != "@every 30m" {
		t.Fatalf("Reloaded saw schedule %q, want the new policy's", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// Start takes the lock and opens the journal before the first pass; a
// second daemon is a follower; a leader whose journal cannot be opened
// fails to start and lets the lock go.
func TestStartSettlesLeadership(t *testing.T) {
	r := newRig(t, scenario(t, healthyScenario), "")
	lockPath := r.dir + "/leader.lock"
	attached := 0
	newCtl := func(attach func(context.Context) (Journal, error)) *Controller {
		c, err := New(Options{Policy: r.pol, Site: Site{CMDB: r.site, NS: r.site, Agents: r.site, Driver: r.site,
			Lock: newFileLock(lockPath)}, Clock: r.clk, Attach: attach})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	broken := newCtl(func(context.Context) (Journal, error) { return nil, errors.New("disk full") })
	if lead, err := broken.Start(context.Background()); lead || err == nil {
		t.Fatalf("Start with a journal that cannot be opened: leader %v, error %v", lead, err)
	}
	a := newCtl(func(context.Context) (Journal, error) { attached++; return r.journal, nil })
	if lead, err := a.Start(context.Background()); !lead || err != nil || attached != 1 || !a.IsLeader() {
		t.Fatalf("Start: leader %v, error %v, attached %d; want the lock taken back and the journal open", lead, err, attached)
	}
	b := newCtl(func(context.Context) (Journal, error) { t.Fatal("a follower opened the journal"); return nil, nil })
	if lead, err := b.Start(context.Background()); lead || err != nil {
		t.Fatalf("second daemon: leader %v, error %v; want a follower", lead, err)
	}
	if res, _ := a.ReconcileOnce(context.Background()); !res.Leader || attached != 1 {
		t.Fatalf("first pass after Start: leader %v, attached %d times", res.Leader, attached)
	}
	a.Close()
	b.Close()
}
