package controller

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim"
)

// Reliability test 4: CMDB faults at controller level. A CMDB that
// disappears mid-read, fails mid-iteration or hangs past the pass timeout
// yields no plan at all (never one from the rows read before the fault),
// the pass ends within reconcile.pass_timeout, and the next pass repairs
// the site. The observer-level cases are in observed/observer_test.go
// (TestReadSiteVoidsAFailedCMDBRead, TestReadSiteCutShort).

// faultyCMDB wraps a site's CMDB. A fault set with next replaces one call
// of InQuestion (or Servers), then the CMDB answers normally again.
type faultyCMDB struct {
	inner observed.CMDB

	mu      sync.Mutex
	rows    func(ctx context.Context, inner observed.CMDB, fn func(observed.RawRow) error) error
	servers func(ctx context.Context, inner observed.CMDB) ([]observed.RawServer, error)
}

var _ observed.CMDB = (*faultyCMDB)(nil)

func (f *faultyCMDB) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	f.mu.Lock()
	fault := f.rows
	f.rows = nil
	f.mu.Unlock()
	if fault != nil {
		return fault(ctx, f.inner, fn)
	}
	return f.inner.InQuestion(ctx, fn)
}

func (f *faultyCMDB) Servers(ctx context.Context) ([]observed.RawServer, error) {
	f.mu.Lock()
	fault := f.servers
	f.servers = nil
	f.mu.Unlock()
	if fault != nil {
		return fault(ctx, f.inner)
	}
	return f.inner.Servers(ctx)
}

// afterRows passes n rows of the real read on, then does what end says
// instead of yielding the rest.
func afterRows(n int, end func(ctx context.Context) error) func(context.Context, observed.CMDB, func(observed.RawRow) error) error {
	return func(ctx context.Context, inner observed.CMDB, fn func(observed.RawRow) error) error {
		seen := 0
		errStop := errors.New("stop")
		err := inner.InQuestion(ctx, func(r observed.RawRow) error {
			if seen == n {
				return errStop
			}
			seen++
			return fn(r)
		})
		if err != nil && !errors.Is(err, errStop) {
			return err
		}
		if seen < n {
			panic(fmt.Sprintf("test bug: only %d rows in question, want more than %d", seen, n))
		}
		return end(ctx)
	}
}

// staleAndLost has 15 rows in question on 2 servers: enough for a read to
// be cut half way.
const staleAndLost = `{"name": "stale-and-lost", "seed": 3, "servers": 4, "packages": 10,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "stale_ns_snapshot", "servers": ["PS002"], "packages": 5},
             {"kind": "status_lost", "servers": ["PS004"]}]}`

// A policy credential the scenario's NS does not have: the planner then
// needs the CMDB's server list.
const otherAccount = `{"name": "other-account", "seed": 3, "servers": 4, "packages": 3,
  "credential": {"mode": "acc", "account": "CORP\\old-acc"}, "faults": []}`

const passTimeout = 2 * time.Minute

func TestCMDBFaultsPlanNothingAndTheNextPassRecovers(t *testing.T) {
	boom := errors.New("connection reset by peer")
	tests := []struct {
		name     string
		scenario string
		// arm sets the fault; release ends a call that ignores its context
		// (made inside the bubble, so the call is durably blocked on it).
		arm  func(f *faultyCMDB, release <-chan struct{})
		want string        // in CMDBErr and the plan's note
		took time.Duration // how long the faulty pass lasts (virtual)
	}{
		{"disappears after 4 rows", staleAndLost, func(f *faultyCMDB, release <-chan struct{}) {
			f.rows = afterRows(4, func(context.Context) error { return fmt.Errorf("read rows in question: %w", boom) })
		}, "connection reset", 0},
		{"fails before any row", staleAndLost, func(f *faultyCMDB, release <-chan struct{}) {
			f.rows = afterRows(0, func(context.Context) error { return boom })
		}, "connection reset", 0},
		{"panics mid-iteration", staleAndLost, func(f *faultyCMDB, release <-chan struct{}) {
			f.rows = afterRows(6, func(context.Context) error { panic("driver bug: index out of range") })
		}, "panic: driver bug", 0},
		{"hangs after 4 rows until the pass times out", staleAndLost, func(f *faultyCMDB, release <-chan struct{}) {
			f.rows = afterRows(4, func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
		}, "pass timeout reached", passTimeout},
		{"hangs ignoring its context", staleAndLost, func(f *faultyCMDB, release <-chan struct{}) {
			f.rows = afterRows(4, func(context.Context) error { <-release; return nil })
		}, "pass timeout reached", passTimeout},
		{"server list fails", otherAccount, func(f *faultyCMDB, release <-chan struct{}) {
			f.servers = func(context.Context, observed.CMDB) ([]observed.RawServer, error) { return nil, boom }
		}, "list CMDB servers", 0},
		{"server list hangs", otherAccount, func(f *faultyCMDB, release <-chan struct{}) {
			f.servers = func(ctx context.Context, _ observed.CMDB) ([]observed.RawServer, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			}
		}, "pass timeout reached", passTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, scenario(t, tt.scenario), "reconcile {\n pass_timeout = \"2m\"\n call_timeout = \"30s\"\n}\n")
				f := &faultyCMDB{inner: r.site}
				r.ctl.site.CMDB = f
				before := r.site.StateKey()
				release := make(chan struct{})
				defer close(release)
				tt.arm(f, release)

				start := time.Now()
				res, err := r.ctl.ReconcileOnce(context.Background())
				took := time.Since(start)
				if err != nil {
					t.Fatalf("faulty pass returned %v; a CMDB failure is a fact, not a pass error", err)
				}
				if took != tt.took {
					t.Errorf("faulty pass took %v (virtual), want %v", took, tt.took)
				}
				if res.Obs.CMDBErr == nil || !strings.Contains(res.Obs.CMDBErr.Error(), tt.want) {
					t.Fatalf("CMDBErr = %v, want it to mention %q", res.Obs.CMDBErr, tt.want)
				}
				checkNothingPlanned(t, r, res, before, tt.want)

				res = r.pass()
				if res.Obs.CMDBErr != nil || res.Applied() == 0 {
					t.Fatalf("next pass: CMDBErr %v, %d applied; want a normal pass that acts", res.Obs.CMDBErr, res.Applied())
				}
				for i := 0; i < 5 && r.site.NotReady() > 0; i++ {
					r.clk.Advance(5 * time.Minute)
					r.pass()
				}
				if n := r.site.NotReady(); n != 0 {
					t.Fatalf("not converged after the fault: %d pairs not Ready", n)
				}
				if n := r.site.UnsafePathsTouched(); n != 0 {
					t.Fatalf("%d unsafe paths touched", n)
				}
				r.verifyJournal()
			})
		})
	}
}

// checkNothingPlanned asserts that a pass whose CMDB read failed planned
// and applied nothing, said why, changed nothing and wrote no intent.
func checkNothingPlanned(t *testing.T, r *rig, res PassResult, before, want string) {
	t.Helper()
	if !res.Plan.Empty() || len(res.Plan.Actions) != 0 {
		t.Fatalf("plan from a failed CMDB read: %d actions", len(res.Plan.Actions))
	}
	if n := res.Obs.Pairs(); len(n) != 0 {
		t.Fatalf("%d pairs kept from a failed read", len(n))
	}
	noted := false
	for _, n := range res.Plan.Notes {
		noted = noted || strings.Contains(n.Message, "CMDB could not be read") && strings.Contains(n.Message, want)
	}
	if !noted {
		t.Errorf("no note says the CMDB could not be read: %+v", res.Plan.Notes)
	}
	if after := r.site.StateKey(); after != before {
		t.Error("the site changed during a pass that could not read the CMDB")
	}
	for _, rec := range r.records() {
		if rec.Type == audit.TypeIntent && rec.Pass == res.ID {
			t.Fatalf("intent written in the failed pass: %+v", rec)
		}
	}
	if got := testutil.ToFloat64(r.ctl.metrics.passes.WithLabelValues("observe_failed")); got != 1 {
		t.Errorf("reconciler_passes_total{result=observe_failed} = %v, want 1", got)
	}
	if r.ctl.Ready() {
		t.Error("ready after a pass whose CMDB read failed and none before it succeeded")
	}
}

// fileCMDB reads, through the production query (cmdb.Reader), a SQLite
// file copied from the disk site's live CMDB at each read; damage, when
// set, acts on the copy before it is read, once: the file deleted,
// replaced or torn between passes.
type fileCMDB struct {
	observed.CMDB // Servers: the site's own
	src, dst      string
	damage        func(t *testing.T, path string)
	t             *testing.T
}

func (f *fileCMDB) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	os.Remove(f.dst)
	src, err := cmdb.Open(f.src)
	if err != nil {
		return err
	}
	_, err = src.ExecContext(ctx, "VACUUM INTO ?", f.dst)
	src.Close()
	if err != nil {
		f.t.Fatalf("copy the CMDB: %v", err)
	}
	if f.damage != nil {
		f.damage(f.t, f.dst)
		f.damage = nil
	}
	db, err := cmdb.Open(f.dst)
	if err != nil {
		return err
	}
	defer db.Close()
	return (&cmdb.Reader{DB: db}).InQuestion(ctx, fn)
}

func TestSQLiteCMDBDamagedBetweenPasses(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"deleted", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
		{"replaced by a file that is not a database", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(strings.Repeat("not sqlite\n", 1000)), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"truncated to its first page", func(t *testing.T, path string) {
			if err := os.Truncate(path, 4096); err != nil {
				t.Fatal(err)
			}
		}},
		{"emptied", func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, scenario(t, staleAndLost), "")
			dir := t.TempDir()
			disk, err := sim.Open(context.Background(), filepath.Join(dir, "site"), scenario(t, staleAndLost), 3, sim.Options{Clock: r.clk})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { disk.Close() })
			f := &fileCMDB{CMDB: disk, src: filepath.Join(dir, "site", "cmdb.sqlite"), dst: filepath.Join(dir, "copy.sqlite"), t: t}
			r.site = disk
			r.ctl.site = Site{CMDB: f, NS: disk, Agents: disk, Driver: disk}
			res := r.pass()
			if res.Obs.CMDBErr != nil || len(res.Obs.Pairs()) != 15 {
				t.Fatalf("healthy read through the copy: %v, %d pairs; want 15", res.Obs.CMDBErr, len(res.Obs.Pairs()))
			}
			r.clk.Advance(time.Minute)
			f.damage = tt.damage
			res, err = r.ctl.ReconcileOnce(context.Background())
			if err != nil || res.Obs.CMDBErr == nil || !res.Plan.Empty() || res.Applied() != 0 {
				t.Fatalf("damaged file: err %v, CMDBErr %v, %d actions, %d applied; want a failed read and no plan",
					err, res.Obs.CMDBErr, len(res.Plan.Actions), res.Applied())
			}
			t.Logf("CMDBErr: %v", res.Obs.CMDBErr)
			for i := 0; i < 6 && disk.NotReady() > 0; i++ {
				r.clk.Advance(5 * time.Minute)
				r.pass()
			}
			if n := disk.NotReady(); n != 0 {
				t.Fatalf("not converged after the damage: %d not Ready", n)
			}
		})
	}
}
