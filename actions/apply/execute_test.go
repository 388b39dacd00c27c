package apply

import (
	"context"
	"errors"
	"fmt"
	"github.com/itms-tools/reconciler/actions"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/vocab"
)

// fakeDriver records applied actions; fail maps action ids to errors.
type fakeDriver struct {
	mu      sync.Mutex
	applied []string
	fail    map[string]error
	panics  map[string]bool
	inner   func(ctx context.Context, a actions.Action) // optional hook
	flying  map[vocab.Host]int
	maxAll  int
	cur     int
	overlap bool
}

func (d *fakeDriver) Apply(ctx context.Context, a actions.Action) error {
	d.mu.Lock()
	if d.flying == nil {
		d.flying = map[vocab.Host]int{}
	}
	d.flying[a.Target.Server]++
	d.cur++
	d.maxAll = max(d.maxAll, d.cur)
	if d.flying[a.Target.Server] > 1 {
		d.overlap = true
	}
	d.mu.Unlock()
	if d.inner != nil {
		d.inner(ctx, a)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.flying[a.Target.Server]--
	d.cur--
	if d.panics[a.ID] {
		panic("boom")
	}
	if err := d.fail[a.ID]; err != nil {
		return err
	}
	d.applied = append(d.applied, a.ID)
	return nil
}

type fakeGates struct {
	holds map[string]actions.Hold
	mu    sync.Mutex
	spent []actions.Kind
}

func (g *fakeGates) Admit(actions.Plan, time.Time) map[string]actions.Hold { return g.holds }
func (g *fakeGates) Spent(a actions.Action, _ time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.spent = append(g.spent, a.Kind)
}

// fakeRecorder keeps steps; failIntent makes intents fail, failSync
// makes syncs fail, tooLarge makes the intents of the actions it names
// unrecordable. An intent is durable once a Sync follows it.
type fakeRecorder struct {
	mu         sync.Mutex
	log        []string
	failIntent bool
	failSync   bool
	tooLarge   map[string]bool
	written    []string        // intents not yet synced
	durableIDs map[string]bool // intents synced
}

func (r *fakeRecorder) Sync(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failSync {
		return errors.New("fsync: input/output error")
	}
	r.log = append(r.log, "sync")
	if r.durableIDs == nil {
		r.durableIDs = map[string]bool{}
	}
	for _, id := range r.written {
		r.durableIDs[id] = true
	}
	r.written = nil
	return nil
}

func (r *fakeRecorder) durable(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.durableIDs[id]
}

func (r *fakeRecorder) Intent(_ context.Context, s Step) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failIntent {
		return errors.New("disk full")
	}
	if r.tooLarge[s.Action.ID] {
		return fmt.Errorf("%w: record of 2 MB", ErrUnrecordable)
	}
	r.log = append(r.log, "intent "+s.Action.ID)
	r.written = append(r.written, s.Action.ID)
	return nil
}

func (r *fakeRecorder) Outcome(_ context.Context, s Step) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	line := fmt.Sprintf("%s %s", s.Outcome, s.Action.ID)
	if s.Rule() != "" {
		line += " [" + s.Rule() + "]"
	}
	r.log = append(r.log, line)
	return nil
}

func (r *fakeRecorder) outcomes() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := map[string]string{}
	for _, l := range r.log {
		var o, id string
		fmt.Sscanf(l, "%s %s", &o, &id)
		if o != "intent" {
			m[id] = l
		}
	}
	return m
}

func newExec(d *fakeDriver, g *fakeGates, r *fakeRecorder, conc int) *Executor {
	return &Executor{Driver: d, Gates: g, Recorder: r, Clock: clock.NewFake(now),
		Concurrency: conc, CallTimeout: time.Minute}
}

// fivePlan is the plan for one stale NS snapshot on five servers.
func fivePlan(t *testing.T) actions.Plan {
	f := newFx(t)
	f.must(f.obs.SetSnapshot(snap(1, true, "6")))
	for _, s := range []string{"PS001", "PS002", "PS003", "PS004", "PS005"} {
		pf := f.pair(s, 1, vocab.Invalid)
		pf.SnapshotVersion, pf.StatusRecorded = "6", vocab.Invalid
	}
	return f.plan()
}

func TestExecuteAppliesEverythingInDependencyOrder(t *testing.T) {
	p := fivePlan(t)
	d := &fakeDriver{}
	rec := &fakeRecorder{}
	res, err := newExec(d, &fakeGates{}, rec, 3).Run(context.Background(), "pass-1", p)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.applied) != len(p.Actions) {
		t.Fatalf("applied %d of %d", len(d.applied), len(p.Actions))
	}
	pos := map[string]int{}
	for i, id := range d.applied {
		pos[id] = i
	}
	for _, a := range p.Actions {
		for _, dep := range a.Deps() {
			if pos[dep] > pos[a.ID] {
				t.Errorf("%s applied before its prerequisite %s", a.ID, dep)
			}
		}
	}
	if d.overlap {
		t.Error("two actions ran at once on one target")
	}
	if d.maxAll > 3 {
		t.Errorf("%d actions in flight, limit 3", d.maxAll)
	}
	if got := len(res.Touched(p)); got != 5 {
		t.Errorf("touched %d servers, want 5", got)
	}
	checkIntentBeforeOutcome(t, rec)
}

func checkIntentBeforeOutcome(t *testing.T, rec *fakeRecorder) {
	t.Helper()
	intent := map[string]int{}
	for i, l := range rec.log {
		var o, id string
		fmt.Sscanf(l, "%s %s", &o, &id)
		switch o {
		case "intent":
			intent[id] = i
		case "applied", "failed":
			if _, ok := intent[id]; !ok {
				t.Errorf("%s without a prior intent", l)
			}
		}
	}
}

func TestExecuteDefersDependants(t *testing.T) {
	p := fivePlan(t)
	del := actions.FormatID(actions.DeleteNSSnapshot, actions.Target{Package: pkg(1)}, 0, "")
	g := &fakeGates{holds: map[string]actions.Hold{del: actions.Held(actions.HoldLimit, "delete_ns_snapshot 20/1h")}}
	d := &fakeDriver{}
	rec := &fakeRecorder{}
	if _, err := newExec(d, g, rec, 4).Run(context.Background(), "pass-1", p); err != nil {
		t.Fatal(err)
	}
	if len(d.applied) != 0 {
		t.Fatalf("applied %v, want nothing: every action needs the held deletion", d.applied)
	}
	out := rec.outcomes()
	if got := out[del]; got != "deferred "+del+" [limit delete_ns_snapshot 20/1h]" {
		t.Errorf("held action: %q", got)
	}
	for _, a := range p.Actions {
		if a.ID != del && !slices.Contains([]string{"deferred"}, firstWord(out[a.ID])) {
			t.Errorf("%s: %q, want deferred", a.ID, out[a.ID])
		}
	}
	if len(g.spent) != 0 {
		t.Errorf("spent %v without running anything", g.spent)
	}
}

func firstWord(s string) string {
	var w string
	fmt.Sscanf(s, "%s", &w)
	return w
}

func TestExecuteFailureStopsOnlyThatServer(t *testing.T) {
	p := fivePlan(t)
	bad := actions.FormatID(actions.DeletePSSnapshot, actions.Target{Server: "PS003", Package: pkg(1)}, 0, "")
	d := &fakeDriver{fail: map[string]error{bad: errors.New("access denied")}}
	rec := &fakeRecorder{}
	res, err := newExec(d, &fakeGates{}, rec, 2).Run(context.Background(), "pass-1", p)
	if err != nil {
		t.Fatal(err)
	}
	out := rec.outcomes()
	for _, a := range p.Actions {
		want := "applied"
		switch {
		case a.ID == bad:
			want = "failed"
		case a.Target.Server == "PS003":
			want = "skipped"
		}
		if got := firstWord(out[a.ID]); got != want {
			t.Errorf("%s: %s, want %s", a.ID, out[a.ID], want)
		}
	}
	if res.Failures["PS003"] == nil || len(res.Failures) != 1 {
		t.Errorf("failures = %v", res.Failures)
	}
}

func TestExecuteDriverPanicIsAFailure(t *testing.T) {
	f := newFx(t)
	f.pair("PS001", 1, vocab.Invalid)
	p := f.plan()
	d := &fakeDriver{panics: map[string]bool{p.Actions[0].ID: true}}
	rec := &fakeRecorder{}
	res, err := newExec(d, &fakeGates{}, rec, 1).Run(context.Background(), "pass-1", p)
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Steps[p.Actions[0].ID]; s.Outcome != actions.Failed || s.Err == nil {
		t.Fatalf("step = %+v, want failed with the panic", s)
	}
}

func TestExecuteJournalFailureRunsNothing(t *testing.T) {
	p := fivePlan(t)
	d := &fakeDriver{}
	_, err := newExec(d, &fakeGates{}, &fakeRecorder{failIntent: true}, 2).Run(context.Background(), "p", p)
	if !errors.Is(err, ErrJournal) {
		t.Fatalf("err = %v, want ErrJournal", err)
	}
	if len(d.applied) != 0 {
		t.Fatalf("applied %v without an intent", d.applied)
	}
}

func TestExecuteResetCycleRestoresDespiteFailure(t *testing.T) {
	f := newFx(t)
	f.pair("PS001", 1, vocab.Invalid)
	f.agents["PS001"].Facts.Applied = anon
	p := f.plan()
	// Round 1 on the server fails; the NS must still get acc back.
	u1 := actions.FormatID(actions.UpdateConfiguration, actions.Target{Server: "PS001"}, 1, "")
	d := &fakeDriver{fail: map[string]error{u1: errors.New("unreachable")}}
	rec := &fakeRecorder{}
	if _, err := newExec(d, &fakeGates{}, rec, 2).Run(context.Background(), "p", p); err != nil {
		t.Fatal(err)
	}
	want := []string{"set_credential_mode:NS:anonymous#1", "set_credential_mode:NS:acc#2"}
	if !slices.Equal(d.applied, want) {
		t.Fatalf("applied %v, want %v", d.applied, want)
	}
}

// While the NS awaits the policy's credential (the drift fix is held), a
// server's snapshot repair does not wait for it: its update applies what
// the NS holds (what the server holds already) and restores the snapshot,
// and its report goes through. The update after the change comes with it.
func TestExecuteSnapshotRepairDoesNotWaitForTheNSCredential(t *testing.T) {
	f := newFx(t)
	f.obs.NS.Credential = anon
	pf := f.pair("PS001", 1, vocab.Invalid)
	pf.SnapshotPresent, pf.SnapshotVersion, pf.StatusPresent = false, "", false
	f.agents["PS001"].Facts.Applied = anon
	p := f.plan()
	set := actions.FormatID(actions.SetCredentialMode, actions.Target{}, 0, vocab.ACC)
	g := &fakeGates{holds: map[string]actions.Hold{set: actions.Held(actions.HoldApproval, set)}}
	d := &fakeDriver{}
	rec := &fakeRecorder{}
	if _, err := newExec(d, g, rec, 2).Run(context.Background(), "p", p); err != nil {
		t.Fatal(err)
	}
	want := []string{"update_configuration:PS001", "resend_status:PS001"}
	if !slices.Equal(d.applied, want) {
		t.Fatalf("applied %v, want %v (the snapshot repair, not held by the credential approval)", d.applied, want)
	}
}

// A server whose credential must change reports only after it took the
// change: its resend waits for the held drift fix.
func TestExecuteReportWaitsForTheCredentialChange(t *testing.T) {
	f := newFx(t)
	f.obs.NS.Credential = anon
	f.pair("PS001", 1, vocab.Invalid)
	f.agents["PS001"].Facts.Applied = anon
	p := f.plan()
	set := actions.FormatID(actions.SetCredentialMode, actions.Target{}, 0, vocab.ACC)
	g := &fakeGates{holds: map[string]actions.Hold{set: actions.Held(actions.HoldLimit, "set_credential_mode 4/24h")}}
	d := &fakeDriver{}
	if _, err := newExec(d, g, &fakeRecorder{}, 2).Run(context.Background(), "p", p); err != nil {
		t.Fatal(err)
	}
	if len(d.applied) != 0 {
		t.Fatalf("applied %v while the NS change is held", d.applied)
	}
}

func TestExecuteShutdownFinishesInFlight(t *testing.T) {
	p := fivePlan(t)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	d := &fakeDriver{inner: func(cctx context.Context, a actions.Action) {
		if a.Kind == actions.RunPackageRefresh {
			once.Do(func() { close(started) })
			<-release
			if cctx.Err() != nil {
				t.Error("in-flight action saw the shutdown")
			}
		}
	}}
	rec := &fakeRecorder{}
	done := make(chan Result)
	go func() {
		res, _ := newExec(d, &fakeGates{}, rec, 1).Run(ctx, "p", p)
		done <- res
	}()
	<-started
	cancel()
	close(release)
	res := <-done
	if !res.Interrupted {
		t.Error("not marked interrupted")
	}
	refresh := actions.FormatID(actions.RunPackageRefresh, actions.Target{}, 0, "")
	if res.Steps[refresh].Outcome != actions.Applied {
		t.Errorf("in-flight refresh: %+v", res.Steps[refresh])
	}
	if len(d.applied) != 2 {
		t.Errorf("applied %v, want the deletion and the in-flight refresh only", d.applied)
	}
	checkIntentBeforeOutcome(t, rec)
}
