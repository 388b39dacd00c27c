package controller

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/observed"
)

// sentLog is a notify.Sender that records "status key" of each message.
type sentLog struct {
	mu    sync.Mutex
	got   []string
	block chan struct{} // when set, Send waits on it or its context
}

func (s *sentLog) Send(ctx context.Context, m notify.Message) error {
	s.mu.Lock()
	s.got = append(s.got, string(m.Status)+" "+m.Event.DedupeKey())
	s.mu.Unlock()
	if s.block != nil {
		select {
		case <-s.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// waitSent waits until n messages were sent. A test calls it before it
// resolves what it fired: a resolution that finds the firing still in the
// queue supersedes both (as notify intends), and under load the queue's
// worker may not have run yet. The bound only keeps a broken notifier
// from hanging the suite.
func (s *sentLog) waitSent(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for len(s.sent()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("sent %v after a minute, want %d messages", s.sent(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func (s *sentLog) sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// withNotifier wires a real notifier with one receiver into the rig's
// controller, as the daemon does.
func withNotifier(r *rig, s notify.Sender, mod ...func(*notify.Config)) *notify.Notifier {
	n := notify.New(notify.Options{Clock: r.clk, NS: "sim"})
	c := notify.Defaults("ops", notify.TypeWebhook)
	c.Rate.Max = 1000
	for _, m := range mod {
		m(&c)
	}
	n.Configure([]notify.Receiver{{Config: c, Sender: s}})
	r.ctl.notifyFn = n.Notify
	return n
}

// drain stops the notifier, delivering what it holds.
func drain(n *notify.Notifier) { n.Close(context.Background()) }

// TestNotifyCMDBUnreadable: told once the outage lasted
// cmdb_unreadable_after, not before and not again; resolved when a pass
// reads the CMDB again.
func TestNotifyCMDBUnreadable(t *testing.T) {
	sc := scenario(t, `{"name": "down", "seed": 1, "servers": 2, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "cmdb_down", "from": "0s", "for": "40m"}]}`)
	r := newRig(t, sc, "notifications {\n cmdb_unreadable_after = \"10m\"\n}\n")
	s := &sentLog{}
	n := withNotifier(r, s)
	var open []int
	for i := range 10 { // passes at 0, 5m … 45m
		r.pass()
		if slices.Contains(n.Open(), notify.KeyCMDB) {
			open = append(open, i)
			s.waitSent(t, 1) // out of the queue before the pass that resolves it
		}
		r.clk.Advance(5 * time.Minute)
	}
	drain(n)
	if want := []int{2, 3, 4, 5, 6, 7}; !slices.Equal(open, want) {
		t.Errorf("cmdb_unreadable open after passes %v, want %v (10m to 35m)", open, want)
	}
	if got, want := s.sent(), []string{"firing cmdb_unreadable", "resolved cmdb_unreadable"}; !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestNotifyApproval: a plan held for approval is told once however many
// passes it waits; approved and applied, its end is told.
func TestNotifyApproval(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), `approve = ["resend_status"]`+"\n")
	s := &sentLog{}
	n := withNotifier(r, s)
	first := r.pass()
	ids := approvalHeld(first)
	if len(ids) == 0 {
		t.Fatal("nothing held for approval")
	}
	s.waitSent(t, 1)
	r.clk.Advance(time.Minute)
	r.pass()
	r.ctl.Approvals().Approve(r.clk.Now(), ids...)
	if res := r.pass(); res.Applied() == 0 {
		t.Fatal("the approved actions were not applied")
	}
	drain(n)
	key := notify.ApprovalNeededEvent(first.End, first.Plan.ID, ids).Key
	if got, want := s.sent(), []string{"firing " + key, "resolved " + key}; !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestNotifyBreaker: a trip is told once while the breaker stays open, and
// its closing (here a manual reset) once.
func TestNotifyBreaker(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "reconcile {\n breaker_reset_after = \"0s\"\n}\n")
	s := &sentLog{}
	n := withNotifier(r, s)
	w := &worseCMDB{CMDB: r.site}
	r.ctl.site.CMDB = w
	if r.pass().Applied() == 0 {
		t.Fatal("the first pass did not act")
	}
	for _, h := range []string{"PS001", "PS003"} {
		for _, p := range r.site.Packages() {
			v, _ := r.site.PackageVersion(p)
			w.extra = append(w.extra, observed.RawRow{ServerID: "aaaaaaaa-0000-0000-0000-00000000000" + h[4:], ServerName: h,
				PackageID: string(p), Status: "Invalid", Version: v, PackageVersion: v, PackageKnown: true})
		}
	}
	r.pass()
	r.pass()
	if !r.ctl.Breaker().State().Open {
		t.Fatal("breaker did not trip")
	}
	s.waitSent(t, 1)
	r.ctl.Breaker().Reset()
	r.pass()
	r.pass()
	drain(n)
	if got, want := s.sent(), []string{"firing breaker", "resolved breaker"}; !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestNotifyJournalProblem: a journal that cannot be written is told, and
// its return.
func TestNotifyJournalProblem(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "")
	s := &sentLog{}
	n := withNotifier(r, s)
	r.journal.Close()
	for range 2 {
		res, _ := r.ctl.ReconcileOnce(context.Background())
		if n := res.Applied(); n != 0 {
			t.Fatalf("a pass on a closed journal applied %d actions", n)
		}
	}
	s.waitSent(t, 1)
	j, err := audit.Open(r.pol.Audit.Path, audit.Options{Clock: r.clk})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r.ctl.journal = j
	r.pass()
	drain(n)
	if got, want := s.sent(), []string{"firing journal_problem", "resolved journal_problem"}; !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestNotifyPolicyRejected: repeated rejections are told once; a policy
// that loads ends it.
func TestNotifyPolicyRejected(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "")
	s := &sentLog{}
	n := withNotifier(r, s)
	r.ctl.RejectPolicy(r.pol.File, errors.New("policy.hcl:3:1: Unsupported argument"))
	r.ctl.RejectPolicy(r.pol.File, errors.New("policy.hcl:4:1: Unsupported argument"))
	s.waitSent(t, 1)
	r.ctl.Reload(r.pol)
	r.ctl.Reload(r.pol)
	drain(n)
	if got, want := s.sent(), []string{"firing policy_rejected", "resolved policy_rejected"}; !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestNotifyFollowerSilent: a pass that does not hold the leader lock
// tells nobody, even with the breaker open.
func TestNotifyFollowerSilent(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "")
	var got []notify.Event
	r.ctl.notifyFn = func(ev notify.Event) { got = append(got, ev) }
	r.ctl.Breaker().Trip(r.clk.Now(), "test")
	r.ctl.notifyPass(PassResult{Start: r.clk.Now(), End: r.clk.Now()})
	if len(got) != 0 {
		t.Errorf("a follower pass notified %d events", len(got))
	}
}

// TestNotifyNeverSlowsAPass: with a receiver that never answers, passes
// run as before; the receiver's queue overflows and counts what it drops.
func TestNotifyNeverSlowsAPass(t *testing.T) {
	sc := scenario(t, `{"name": "down", "seed": 1, "servers": 2, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "cmdb_down", "from": "0s", "for": "10m"}, {"kind": "cmdb_down", "from": "20m", "for": "10m"},
    {"kind": "cmdb_down", "from": "40m", "for": "10m"}]}`)
	r := newRig(t, sc, "notifications {\n cmdb_unreadable_after = \"1m\"\n}\n")
	s := &sentLog{block: make(chan struct{})}
	n := withNotifier(r, s, func(c *notify.Config) { c.Queue = 1 })
	for range 12 {
		r.pass() // returns though the receiver is stuck on its first message
		r.clk.Advance(5 * time.Minute)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n.Close(ctx)
	c := n.Counts()["ops"]
	if c[notify.Dropped] == 0 || c[notify.Delivered] != 0 {
		t.Errorf("counts %v: want drops and nothing delivered", c)
	}
}
