package controller

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/actions/apply"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

// loop runs Controller.Run in the background on the rig's fake clock.
type loop struct {
	r      *rig
	cancel context.CancelFunc
	reload chan *policy.Policy
	done   chan error
}

func (r *rig) startLoop() *loop {
	ctx, cancel := context.WithCancel(context.Background())
	l := &loop{r: r, cancel: cancel, reload: make(chan *policy.Policy), done: make(chan error, 1)}
	go func() { l.done <- r.ctl.Run(ctx, l.reload) }()
	r.t.Cleanup(l.stop)
	return l
}

// step waits until the loop sleeps, moves the clock to its wake time, and
// waits until the pass it woke for is over (the loop armed its next timer).
// It returns the wake time.
func (l *loop) step() time.Time {
	l.r.clk.WaitForTimers(1)
	created := l.r.clk.Created()
	next, _ := l.r.clk.Next()
	l.r.clk.Set(next)
	l.r.clk.WaitForCreated(created + 1)
	return next
}

func (l *loop) stop() {
	if l.cancel == nil {
		return
	}
	l.cancel()
	if err := <-l.done; err != nil {
		l.r.t.Errorf("Run: %v", err)
	}
	l.cancel = nil
}

// passStarts returns the times of the pass_start records.
func (r *rig) passStarts() []time.Time {
	var out []time.Time
	for _, rec := range r.records() {
		if rec.Type == audit.TypePassStart {
			out = append(out, rec.Time)
		}
	}
	return out
}

const lostScenario = `{"name": "lost", "seed": 1, "servers": 3, "packages": 3,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "status_lost", "servers": ["PS002"]}]}`

func TestLoopRunsOnSchedule(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "reconcile {\n schedule = \"*/10 * * * *\"\n verify_after = \"2m\"\n}\n")
	l := r.startLoop()
	var wakes []time.Time
	for range 4 {
		wakes = append(wakes, l.step())
	}
	l.stop()
	want := []time.Time{t0.Add(10 * time.Minute), t0.Add(12 * time.Minute), t0.Add(20 * time.Minute), t0.Add(30 * time.Minute)}
	for i := range want {
		if !wakes[i].Equal(want[i]) {
			t.Fatalf("wakes = %v, want %v (schedule, verification after resend, schedule, schedule)", wakes, want)
		}
	}
	if got := len(r.passStarts()); got != 4 {
		t.Fatalf("%d passes, want 4", got)
	}
}

// flaky wraps the site's driver: it fails an action id a number of times.
type flaky struct {
	Driver apply.Driver
	mu     sync.Mutex
	fails  map[string]int
	err    error
	hook   func(actions.Action)
}

func (f *flaky) Apply(ctx context.Context, a actions.Action) error {
	if f.hook != nil {
		f.hook(a)
	}
	f.mu.Lock()
	if f.fails[a.ID] > 0 {
		f.fails[a.ID]--
		f.mu.Unlock()
		return f.err
	}
	f.mu.Unlock()
	return f.Driver.Apply(ctx, a)
}

func TestLoopBacksOffAndResets(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "reconcile {\n schedule = \"@every 1h\"\n backoff_base = \"1m\"\n backoff_cap = \"10m\"\n}\n")
	fl := &flaky{Driver: r.site, fails: map[string]int{"resend_status:PS002": 3}, err: errors.New("WinRM timeout")}
	r.ctl.site.Driver = fl
	l := r.startLoop()
	got := []time.Duration{}
	for range 5 {
		got = append(got, l.step().Sub(t0))
	}
	l.stop()
	// 1h: fails; +1m: fails; +2m: fails; +4m: succeeds; then the
	// verification requeue 2m after the successful resend_status.
	want := []time.Duration{time.Hour, time.Hour + time.Minute, time.Hour + 3*time.Minute, time.Hour + 7*time.Minute, time.Hour + 9*time.Minute}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("wakes at %v, want %v", got, want)
		}
	}
	if r.site.NotReady() != 0 {
		t.Fatal("not converged after the backoff")
	}
	if held := r.ctl.retry.held(r.clk.Now()); len(held) != 0 {
		t.Fatalf("still held after success: %v", held)
	}
}

func TestLoopSkipsScheduleTimesDuringALongPass(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "reconcile {\n schedule = \"*/10 * * * *\"\n verify_after = \"1h\"\n}\n")
	fl := &flaky{Driver: r.site, hook: func(actions.Action) { r.clk.Advance(25 * time.Minute) }}
	r.ctl.site.Driver = fl
	l := r.startLoop()
	first := l.step()
	second := l.step()
	l.stop()
	if !first.Equal(t0.Add(10*time.Minute)) || !second.Equal(t0.Add(40*time.Minute)) {
		t.Fatalf("wakes %v, %v; want 10m then 40m", first, second)
	}
	notes := 0
	for _, rec := range r.records() {
		if rec.Type == audit.TypeNote {
			notes++
			if string(rec.Detail) == "" {
				t.Fatal("empty skip note")
			}
		}
	}
	if notes != 1 {
		t.Fatalf("%d skip notes, want 1 (20m and 30m skipped)", notes)
	}
}

func TestLoopSurvivesAPanickingPass(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "reconcile {\n schedule = \"@every 10m\"\n}\n")
	calls := 0
	testHookAfterObserve = func() {
		calls++
		if calls == 1 {
			panic("bug in a pass")
		}
	}
	t.Cleanup(func() { testHookAfterObserve = nil })
	l := r.startLoop()
	l.step()
	l.step()
	l.stop()
	if calls != 2 {
		t.Fatalf("%d passes, want 2", calls)
	}
	if r.site.NotReady() != 0 {
		t.Fatal("the second pass did not repair the site")
	}
	var errs int
	for _, rec := range r.records() {
		if rec.Type == audit.TypePassEnd && rec.Error != "" {
			errs++
		}
	}
	if errs != 1 {
		t.Fatalf("%d pass_end records with an error, want 1", errs)
	}
}

func TestLoopReloadsPolicy(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "reconcile {\n schedule = \"@every 10m\"\n}\n")
	l := r.startLoop()
	next := parsePolicy(t, r.dir, "reconcile {\n schedule = \"@every 30m\"\n}\n")
	next.Mode = policy.DryRun
	r.clk.WaitForTimers(1)
	created := r.clk.Created()
	l.reload <- next
	r.clk.WaitForCreated(created + 1)
	wake := l.step()
	l.stop()
	if !wake.Equal(t0.Add(30 * time.Minute)) {
		t.Fatalf("woke at %v, want the new schedule's 30m", wake)
	}
	if r.site.NotReady() == 0 {
		t.Fatal("dry-run policy applied actions")
	}
	reloads := 0
	for _, rec := range r.records() {
		if rec.Type == audit.TypePolicyReload {
			reloads++
		}
	}
	if reloads != 1 {
		t.Fatalf("%d reload records, want 1", reloads)
	}
}

func TestShutdownMidPassLeavesNoIntentWithoutOutcome(t *testing.T) {
	r := newRig(t, scenario(t, staleNS), "reconcile {\n schedule = \"@every 10m\"\n concurrency = 1\n}\n")
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	fl := &flaky{Driver: r.site, hook: func(a actions.Action) {
		if a.Kind == actions.RunPackageRefresh {
			once.Do(func() { close(started) })
			<-release
		}
	}}
	r.ctl.site.Driver = fl
	l := r.startLoop()
	r.clk.WaitForTimers(1)
	next, _ := r.clk.Next()
	r.clk.Set(next)
	<-started
	l.cancel()
	close(release)
	if err := <-l.done; err != nil {
		t.Fatal(err)
	}
	l.cancel = nil
	open := map[string]bool{}
	for _, rec := range r.records() {
		switch rec.Type {
		case audit.TypeIntent:
			open[rec.Action] = true
		case audit.TypeOutcome:
			delete(open, rec.Action)
		}
	}
	if len(open) != 0 {
		t.Fatalf("intents without outcome after shutdown: %v", open)
	}
	r.verifyJournal()
}

func TestTwoControllersOneLock(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "")
	lockPath := r.dir + "/leader.lock"
	a := r.ctl
	a.site.Lock = newFileLock(lockPath)
	b, err := New(Options{Policy: r.pol, Site: Site{CMDB: r.site, NS: r.site, Agents: r.site, Driver: r.site,
		Lock: newFileLock(lockPath)}, Clock: r.clk,
		Attach: func(context.Context) (Journal, error) { return nil, errors.New("no journal for b") }})
	if err != nil {
		t.Fatal(err)
	}
	ra, _ := a.ReconcileOnce(context.Background())
	rb, _ := b.ReconcileOnce(context.Background())
	if !ra.Leader || rb.Leader {
		t.Fatalf("leaders: a=%v b=%v, want only a", ra.Leader, rb.Leader)
	}
	if rb.Applied() != 0 {
		t.Fatal("the follower applied actions")
	}
	if !b.IsLeader() && a.Close() == nil {
		if rb2, _ := b.ReconcileOnce(context.Background()); rb2.Leader {
			t.Fatal("b became leader without a journal")
		}
	}
	_ = vocab.Host("")
}

// TestLoopPassAtStart: with PassAtStart the loop runs a pass at once, not
// only at the first schedule time, so /readyz turns ready at start.
func TestLoopPassAtStart(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "reconcile {\n schedule = \"*/10 * * * *\"\n}\n")
	r.ctl.passAtStart = true
	l := r.startLoop()
	r.clk.WaitForTimers(1)
	if !r.ctl.Ready() {
		t.Error("not ready after the pass at start")
	}
	if got := r.passStarts(); len(got) != 1 || !got[0].Equal(t0) {
		t.Errorf("passes at %v before the clock moved, want one at %v", got, t0)
	}
	l.stop()
}
