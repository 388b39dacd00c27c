package controller

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// Reliability review, round 2 ([2/9] item 2): a refused login stops every
// call with it. These tests drive the login gate with fakes at the driver
// boundary; site/itms's TestRefusedWinRMPasswordIsTriedOnce runs the real
// driver against an NTLM-checking WinRM server.

var (
	cmdbLogin1 = failure.Login{Source: "cmdb", User: "svc-reader", Fingerprint: "f1", From: "file /etc/reconciler/dsn"}
	cmdbLogin2 = failure.Login{Source: "cmdb", User: "svc-reader", Fingerprint: "f2", From: "file /etc/reconciler/dsn"}
	winrmLogin = failure.Login{Source: "winrm", User: `CORP\svc`, Fingerprint: "w1", From: "environment variable WINRM_PASSWORD"}
)

// refusingCMDB refuses the login while refuse is set, counting the calls
// that reached it.
type refusingCMDB struct {
	observed.CMDB
	refuse atomic.Bool
	calls  atomic.Int32
}

func (c *refusingCMDB) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	c.calls.Add(1)
	if c.refuse.Load() {
		return failure.MarkAuth(errors.New("read CMDB rows: SQL Server error 18456: Login failed for user 'svc-reader'"), cmdbLogin1)
	}
	return c.CMDB.InQuestion(ctx, fn)
}

// loginRig is a rig whose site names its logins; login is the CMDB's.
type loginRig struct {
	*rig
	cmdb  *refusingCMDB
	mu    sync.Mutex
	login failure.Login
}

func newLoginRig(t *testing.T) *loginRig {
	r := &loginRig{rig: newRig(t, scenario(t, staleAndLost), ""), login: cmdbLogin1}
	r.cmdb = &refusingCMDB{CMDB: r.site}
	r.cmdb.refuse.Store(true)
	r.wire()
	return r
}

// wire points the controller at the refusing CMDB and the logins.
func (r *loginRig) wire() {
	r.ctl.site.CMDB = r.cmdb
	r.ctl.site.Logins = func() map[Part]failure.Login {
		r.mu.Lock()
		defer r.mu.Unlock()
		return map[Part]failure.Login{PartCMDB: r.login}
	}
}

func (r *loginRig) restartWired() {
	r.restart()
	r.wire()
}

func (r *loginRig) calls(want int32) {
	r.t.Helper()
	if got := r.cmdb.calls.Load(); got != want {
		r.t.Fatalf("%d CMDB logins attempted, want %d", got, want)
	}
}

func (r *loginRig) many(n int) PassResult {
	r.t.Helper()
	var res PassResult
	for range n {
		res = r.pass()
		r.clk.Advance(2 * time.Second)
	}
	return res
}

// SQL Server's "login failed" (18456) is tried once: not on every pass,
// not after a restart; a changed DSN (another fingerprint) is tried.
func TestRefusedCMDBLoginIsTriedOnceAcrossRestarts(t *testing.T) {
	r := newLoginRig(t)
	res := r.many(8)
	r.calls(1)
	if res.Obs.CMDBErr == nil || !strings.Contains(res.Obs.CMDBErr.Error(), "not attempted: cmdb user svc-reader was refused") {
		t.Fatalf("CMDB error %v", res.Obs.CMDBErr)
	}
	if rep := r.ctl.Report(); len(rep.Credentials) != 1 || rep.Credentials[0].Source != "cmdb" ||
		!strings.Contains(rep.Credentials[0].Action, "file /etc/reconciler/dsn") {
		t.Fatalf("status credentials %+v", rep.Credentials)
	}
	var found int
	for _, rec := range r.records() {
		if rec.Type == audit.TypeAuthFailed {
			found++
			if !strings.Contains(string(rec.Detail), `"fingerprint":"f1"`) || !strings.Contains(string(rec.Detail), `"source":"cmdb"`) {
				t.Errorf("auth_failed detail %s", rec.Detail)
			}
		}
	}
	if found != 1 {
		t.Fatalf("%d auth_failed records, want 1", found)
	}

	r.restartWired()
	r.many(8)
	r.calls(1)

	// A rejected policy change does not lift the refusal.
	r.ctl.RejectPolicy("policy.hcl", errors.New("bad"))
	r.many(3)
	r.calls(1)

	// The DSN is corrected: its fingerprint differs, it is tried, it works.
	r.mu.Lock()
	r.login = cmdbLogin2
	r.mu.Unlock()
	r.cmdb.refuse.Store(false)
	res = r.many(1)
	r.calls(2)
	if res.Obs.CMDBErr != nil {
		t.Fatalf("after the DSN changed: %v", res.Obs.CMDBErr)
	}
	if rep := r.ctl.Report(); len(rep.Credentials) != 0 {
		t.Errorf("the old refusal is still shown: %+v", rep.Credentials)
	}
}

// A reload lifts the refusal for one more try, and the policy_reload
// record says so to the next start.
func TestReloadLiftsARefusalForOneTry(t *testing.T) {
	r := newLoginRig(t)
	r.many(3)
	r.calls(1)
	r.ctl.Reload(r.pol)
	r.many(3)
	r.calls(2)
	r.restartWired()
	r.many(3)
	r.calls(2)
	r.ctl.Reload(r.pol)
	r.cmdb.refuse.Store(false)
	if res := r.many(1); res.Obs.CMDBErr != nil {
		t.Fatal(res.Obs.CMDBErr)
	}
	r.calls(3)
	r.restartWired() // the last record about it is a reload: nothing blocked
	r.many(1)
	r.calls(4)
}

// refusingAgents refuses every logon, counting the calls that reached it
// and the most in flight at once.
type refusingAgents struct {
	mu            sync.Mutex
	calls, flying int
	most          int
	release       chan struct{}
}

func (a *refusingAgents) Agent(ctx context.Context, s vocab.Host, _ []vocab.GUID) (observed.AgentFacts, error) {
	a.mu.Lock()
	a.calls++
	a.flying++
	a.most = max(a.most, a.flying)
	a.mu.Unlock()
	defer func() { a.mu.Lock(); a.flying--; a.mu.Unlock() }()
	return observed.AgentFacts{}, failure.MarkAuth(errors.New("HTTP 401 from "+string(s)), winrmLogin)
}

// Many servers observed at once with a password not yet proven: one logon
// is tried, the others wait for it and are refused without one.
func TestUnprovenLoginIsTriedOneCallAtATime(t *testing.T) {
	const js = `{"name": "lost-everywhere", "seed": 3, "servers": 20, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "status_lost", "count": 20}]}`
	r := newRig(t, scenario(t, js), "reconcile {\n  concurrency = 8\n}\n")
	agents := &refusingAgents{}
	r.ctl.site.Agents = agents
	r.ctl.site.Logins = func() map[Part]failure.Login { return map[Part]failure.Login{PartAgents: winrmLogin} }
	res := r.pass()
	if agents.calls != 1 || agents.most != 1 {
		t.Fatalf("%d logons tried (%d at once), want 1", agents.calls, agents.most)
	}
	refused := 0
	for _, a := range res.Obs.Agents() {
		if strings.Contains(a.Error, "not attempted") {
			refused++
		}
	}
	if refused != 19 {
		t.Errorf("%d agents refused without a logon, want 19", refused)
	}
	r.clk.Advance(time.Minute)
	r.pass()
	if agents.calls != 1 {
		t.Errorf("%d logons after a second pass, want 1", agents.calls)
	}
}

// refusingLock refuses the lock's session login.
type refusingLock struct {
	calls atomic.Int32
}

func (l *refusingLock) TryAcquire(context.Context) (bool, error) {
	l.calls.Add(1)
	return false, failure.MarkAuth(errors.New("leader lock: connect: login failed"), cmdbLogin1)
}
func (l *refusingLock) Check(context.Context) error { return errors.New("not held") }
func (l *refusingLock) Release() error              { return nil }
func (l *refusingLock) String() string              { return "test lock" }

// The leader lock is a login too (sp_getapplock opens a session): refused
// once, it is not tried on every pass; the daemon stays a follower.
func TestRefusedLockLoginIsNotRetried(t *testing.T) {
	r := newLoginRig(t)
	r.cmdb.refuse.Store(false)
	lock := &refusingLock{}
	r.ctl.site.Lock = lock
	r.ctl.site.Logins = func() map[Part]failure.Login {
		return map[Part]failure.Login{PartCMDB: cmdbLogin1, PartLock: cmdbLogin1}
	}
	res := r.many(5)
	if lock.calls.Load() != 1 || res.Leader {
		t.Fatalf("%d lock logons, leader %v; want 1 and a follower", lock.calls.Load(), res.Leader)
	}
	if r.cmdb.calls.Load() != 0 {
		t.Errorf("the CMDB was read with the refused DSN %d times", r.cmdb.calls.Load())
	}
}

// A driver call that panics (the observer recovers it) gives its turn
// back: the next call with the unproven login is not stuck behind it.
func TestPanickingCallGivesItsTurnBack(t *testing.T) {
	g := newLogins(slog.New(slog.DiscardHandler), func() time.Time { return t0 })
	g.refresh(func() map[Part]failure.Login { return map[Part]failure.Login{PartAgents: winrmLogin} })
	func() {
		defer func() { _ = recover() }()
		_ = g.do(context.Background(), PartAgents, func() error { panic("driver bug") })
	}()
	if n := len(g.probes[identity(winrmLogin)]); n != 0 {
		t.Fatalf("the turn is still held after the panic (%d)", n)
	}
	if err := g.do(context.Background(), PartAgents, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if !g.proven[identity(winrmLogin)] {
		t.Error("a successful call did not prove the login")
	}
}

// Issue 20 × [2/9] item 2: a refusal outlives the segment that recorded
// it. The journal rotates at every pass and retention removes whatever it
// may; each new segment record carries the refusal (CarriedState.Refused),
// so a restart after its auth_failed record is gone still does not try the
// refused login, nor does a daemon that only rebuilds the refusals before
// it leads (RestoreLogins). A reload lifts it, and the segments written
// after the reload carry nothing.
func TestRefusedLoginOutlivesRetention(t *testing.T) {
	r := newLoginRig(t)
	r.rotateAlways()
	r.many(1)
	r.calls(1)
	for range 3 {
		r.clk.Advance(25 * time.Hour) // past the approval TTL, the longest window
		r.pass()
	}
	recs := r.records()
	if hasType(recs, audit.TypeAuthFailed) || !hasType(recs, audit.TypeRetention) {
		t.Fatal("the auth_failed record is still there: retention did not remove its segment")
	}
	r.restartWired()
	r.many(3)
	r.calls(1)
	if rep := r.ctl.Report(); len(rep.Credentials) != 1 || rep.Credentials[0].Source != "cmdb" {
		t.Fatalf("after rotation, retention and a restart, status credentials %+v", rep.Credentials)
	}
	follower, err := New(Options{Policy: r.pol, Site: Site{CMDB: r.cmdb}, Clock: r.clk})
	if err != nil {
		t.Fatal(err)
	}
	if err := follower.RestoreLogins(r.pol.Audit.Path); err != nil {
		t.Fatal(err)
	}
	if got := follower.logins.health(); len(got) != 1 || got[0].User != "svc-reader" {
		t.Fatalf("RestoreLogins rebuilt %+v, want the refusal", got)
	}

	r.ctl.Reload(r.pol)
	r.cmdb.refuse.Store(false)
	if res := r.many(1); res.Obs.CMDBErr != nil {
		t.Fatal(res.Obs.CMDBErr)
	}
	r.calls(2)
	r.clk.Advance(2 * time.Hour)
	r.pass()
	r.restartWired()
	r.many(1)
	r.calls(4)
	r.verifyJournal()
}
