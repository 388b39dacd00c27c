package controller

import (
	"context"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
)

// reopenWith restarts the rig on its journal opened with opt (clock set).
func (r *rig) reopenWith(opt audit.Options, attach bool) {
	r.t.Helper()
	if r.journal != nil {
		r.journal.Close()
	}
	opt.Clock = r.clk
	j, err := audit.Open(r.pol.Audit.Path, opt)
	if err != nil {
		r.t.Fatal(err)
	}
	r.journal = j
	r.t.Cleanup(func() { r.journal.Close() })
	o := Options{Policy: r.pol, Site: Site{CMDB: r.site, NS: r.site, Agents: r.site, Driver: r.site},
		Journal: j, Clock: r.clk, Metrics: NewMetrics()}
	if attach {
		o.Attach = func(context.Context) (Journal, error) {
			j, err := audit.Open(r.pol.Audit.Path, opt)
			if err != nil {
				return nil, err
			}
			r.journal = j
			return j, r.ctl.Restore(r.pol.Audit.Path)
		}
	}
	ctl, err := New(o)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := ctl.Restore(r.pol.Audit.Path); err != nil {
		r.t.Fatal(err)
	}
	r.ctl = ctl
}

// rotating rotates at every checkpoint and removes every segment that
// retention may (a total size of 1 byte): only the rolling windows keep
// anything. The policy's values, which each checkpoint applies, are set
// below what policy validation allows.
var rotating = audit.Options{}

func (r *rig) rotateAlways() {
	r.pol.Audit.RotateSize, r.pol.Audit.RotateAge, r.pol.Audit.RetainDays, r.pol.Audit.RetainSize = 1, 0, 0, 1
}

const windowPolicy = twoPerHour + "reconcile {\n  approval_ttl = \"30m\"\n  pending_grace = \"5m\"\n  breaker_reset_after = \"0s\"\n}\n"

// Issue 20 item 1: a rotation or a retention sweep never grants budget
// back. The journal rotates at every pass and retention removes whatever
// it may: the segment holding the spends of the last hour stays, and a
// restart within the hour still finds the budget spent.
func TestRotationAndRetentionGrantNoBudget(t *testing.T) {
	r := newRig(t, scenario(t, staleNS), windowPolicy)
	r.rotateAlways()
	r.reopenWith(rotating, false)
	if got := countKind(r.pass(), actions.DeleteNSSnapshot, actions.Applied); got != 2 {
		t.Fatalf("first pass applied %d deletions, want 2", got)
	}
	for _, at := range []time.Duration{10 * time.Minute, 30 * time.Minute, 59 * time.Minute} {
		r.clk.Set(t0.Add(at))
		r.reopenWith(rotating, false)
		if rem := r.ctl.Limiter().Remaining(actions.DeleteNSSnapshot, r.clk.Now()); rem != 0 {
			t.Fatalf("+%s after rotations and sweeps: %d deletions left, want 0", at, rem)
		}
		if got := countKind(r.pass(), actions.DeleteNSSnapshot, actions.Applied); got != 0 {
			t.Fatalf("+%s: %d deletions applied, want 0", at, got)
		}
	}
	segs := segmentsOf(t, r.pol.Audit.Path)
	if segs < 2 {
		t.Fatalf("%d segments: the journal did not rotate", segs)
	}
	r.clk.Set(t0.Add(2 * time.Hour))
	r.pass() // the spends are older than every window: retention may remove them
	recs := r.records()
	if recs[0].Seq == 1 || !hasType(recs, audit.TypeRetention) {
		t.Fatalf("retention removed nothing after every window passed (oldest seq %d)", recs[0].Seq)
	}
	r.verifyJournal()
}

func segmentsOf(t *testing.T, path string) int {
	t.Helper()
	sum, err := audit.Summarize(path)
	if err != nil {
		t.Fatal(err)
	}
	return sum.Segments
}

func hasType(recs []audit.Record, typ audit.Type) bool {
	for _, r := range recs {
		if r.Type == typ {
			return true
		}
	}
	return false
}

// A tripped breaker outlives the segment that recorded it: each new
// segment carries it, so a restart after retention removed the breaker
// record still finds it open.
func TestTrippedBreakerOutlivesRetention(t *testing.T) {
	r := newRig(t, scenario(t, staleNS), windowPolicy)
	if _, err := r.journal.Append(audit.Record{Type: audit.TypeBreaker,
		Detail: audit.JSON(BreakerDetail{State: "tripped", Reason: "test"})}); err != nil {
		t.Fatal(err)
	}
	r.rotateAlways()
	r.reopenWith(rotating, false)
	for i := range 3 {
		r.clk.Advance(2 * time.Hour)
		if got := r.pass().Applied(); got != 0 {
			t.Fatalf("pass %d applied %d actions with the breaker open", i, got)
		}
	}
	if hasType(r.records(), audit.TypeBreaker) {
		t.Fatal("the breaker record is still there: retention did not remove its segment")
	}
	r.reopenWith(rotating, false)
	if b := r.ctl.Breaker().State(); !b.Open || b.Reason != "test" {
		t.Fatalf("after a restart the breaker is %+v, want open (carried)", b)
	}
	r.verifyJournal()
}

// faultyFiles injects errors into the journal's append handle.
type faultyFiles struct {
	mu               sync.Mutex
	write, sync, opn error
}

func (x *faultyFiles) set(write, sync, open error) {
	x.mu.Lock()
	x.write, x.sync, x.opn = write, sync, open
	x.mu.Unlock()
}

func (x *faultyFiles) open(path string) (audit.File, error) {
	x.mu.Lock()
	err := x.opn
	x.mu.Unlock()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	return &faultyFile{File: f, x: x}, nil
}

type faultyFile struct {
	*os.File
	x *faultyFiles
}

func (f *faultyFile) Write(p []byte) (int, error) {
	f.x.mu.Lock()
	err := f.x.write
	f.x.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return f.File.Write(p)
}

func (f *faultyFile) Sync() error {
	f.x.mu.Lock()
	err := f.x.sync
	f.x.mu.Unlock()
	if err != nil {
		return err
	}
	return f.File.Sync()
}

// Issue 13 item 8: a full disk or an fsync error on the journal. The pass
// acts on nothing it cannot record, the controller reports the journal
// unhealthy (JournalHealth, reconciler_journal_healthy), and once the disk
// recovers the next pass reopens and verifies the journal and acts.
func TestJournalFaultsStopActingUntilTheDiskRecovers(t *testing.T) {
	tests := []struct {
		name  string
		fault func(x *faultyFiles)
	}{
		{"full disk", func(x *faultyFiles) { x.set(syscall.ENOSPC, nil, nil) }},
		{"fsync error", func(x *faultyFiles) { x.set(nil, syscall.EIO, syscall.EIO) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, scenario(t, staleNS), twoPerHour)
			x := &faultyFiles{}
			r.reopenWith(audit.Options{OpenFile: x.open}, false)
			before := r.site.NotReady()
			tt.fault(x)
			for i := range 2 {
				res, _ := r.ctl.ReconcileOnce(context.Background())
				if res.Applied() != 0 || r.site.NotReady() != before {
					t.Fatalf("pass %d under the fault applied %d actions", i, res.Applied())
				}
				if h := r.ctl.JournalHealth(); h.OK || h.Error == "" {
					t.Fatalf("pass %d: JournalHealth = %+v, want not OK", i, h)
				}
				if v := testutil.ToFloat64(r.ctl.metrics.jm.healthy); v != 0 {
					t.Fatalf("reconciler_journal_healthy = %v under the fault", v)
				}
				r.clk.Advance(time.Minute)
			}
			x.set(nil, nil, nil)
			if got := countKind(r.pass(), actions.DeleteNSSnapshot, actions.Applied); got != 2 {
				t.Fatalf("after the disk recovered: %d deletions applied, want 2", got)
			}
			if h := r.ctl.JournalHealth(); !h.OK {
				t.Fatalf("JournalHealth after recovery = %+v", h)
			}
			if v := testutil.ToFloat64(r.ctl.metrics.jm.healthy); v != 1 {
				t.Fatalf("reconciler_journal_healthy = %v after recovery", v)
			}
			if v := testutil.ToFloat64(r.ctl.metrics.jm.errors); v < 2 {
				t.Fatalf("reconciler_journal_errors_total = %v, want every failure counted", v)
			}
			r.verifyJournal()
		})
	}
}

// Issue 13 item 5 at the controller: the journal replaced under a running
// leader. Without Attach the pass acts on nothing; with it the controller
// closes the journal and opens it again (verified) before acting.
func TestJournalReplacedUnderTheController(t *testing.T) {
	for _, attach := range []bool{false, true} {
		t.Run(map[bool]string{false: "no attach", true: "attach"}[attach], func(t *testing.T) {
			r := newRig(t, scenario(t, staleNS), twoPerHour)
			r.reopenWith(audit.Options{}, attach)
			r.pass()
			b, err := os.ReadFile(r.pol.Audit.Path)
			if err != nil {
				t.Fatal(err)
			}
			os.Remove(r.pol.Audit.Path)
			if err := os.WriteFile(r.pol.Audit.Path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			r.clk.Advance(2 * time.Hour)
			res, _ := r.ctl.ReconcileOnce(context.Background())
			if !attach {
				if res.Leader || res.Applied() != 0 {
					t.Fatalf("pass on a replaced journal: leader %v, %d applied", res.Leader, res.Applied())
				}
				if h := r.ctl.JournalHealth(); h.OK || !strings.Contains(h.Error, "replaced") {
					t.Fatalf("JournalHealth = %+v", h)
				}
				return
			}
			if !res.Leader || r.ctl.JournalHealth().OK == false {
				t.Fatalf("re-attached pass: leader %v, health %+v", res.Leader, r.ctl.JournalHealth())
			}
			r.verifyJournal()
		})
	}
}
