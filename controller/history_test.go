package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/observed"
)

// pendingCMDB reports PS001's first package as Pending while pending is
// set (its agent has the package and is not downloading it).
type pendingCMDB struct {
	observed.CMDB
	mu      sync.Mutex
	pending bool
	row     observed.RawRow
}

func (p *pendingCMDB) set(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = on
}

func (p *pendingCMDB) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	if err := p.CMDB.InQuestion(ctx, fn); err != nil {
		return err
	}
	p.mu.Lock()
	on := p.pending
	p.mu.Unlock()
	if on {
		return fn(p.row)
	}
	return nil
}

// pendingRig is a daemon on a healthy site but for one Pending row, with a
// 30-minute pending grace.
func pendingRig(t *testing.T) (*rig, *pendingCMDB) {
	r := newRig(t, scenario(t, healthyScenario), "reconcile {\n pending_grace = \"30m\"\n}\n")
	servers, err := r.site.Servers(context.Background())
	if err != nil || len(servers) == 0 {
		t.Fatalf("servers: %v %v", servers, err)
	}
	pkg := r.site.Packages()[0]
	version, _ := r.site.PackageVersion(pkg)
	row := observed.RawRow{ServerID: servers[0].ID, ServerName: servers[0].Name, PackageID: string(pkg),
		PackageName: "Pkg", Status: "Pending", PackageVersion: version, PackageKnown: true}
	db := &pendingCMDB{CMDB: r.site, row: row, pending: true}
	r.ctl.site.CMDB = db
	return r, db
}

// oneShot is what `reconciler plan` builds: a controller without a journal,
// its gates and pair ages restored from the daemon's.
func (r *rig) oneShot(cmdb observed.CMDB) (*Controller, int) {
	r.t.Helper()
	c, err := New(Options{Policy: r.pol, Site: Site{CMDB: cmdb, NS: r.site, Agents: r.site, Driver: r.site}, Clock: r.clk})
	if err != nil {
		r.t.Fatal(err)
	}
	if err := c.Restore(r.pol.Audit.Path); err != nil {
		r.t.Fatal(err)
	}
	n, err := c.RestoreAges(r.pol.Audit.Path)
	if err != nil {
		r.t.Fatal(err)
	}
	return c, n
}

func planned(t *testing.T, c *Controller) []string {
	t.Helper()
	res, err := c.PlanOnly(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range res.Plan.Actions {
		out = append(out, string(a.Kind)+" "+string(a.Target.Server))
	}
	return out
}

// The daemon has watched a pair stay Pending for 35 minutes, past the
// 30-minute grace: a one-shot `plan` now proposes what the daemon's next
// pass will do, where it used to take the pair for one just seen and plan
// nothing. Cases where the history must not be trusted plan nothing.
func TestOneShotPlanTakesPairAgesFromTheJournal(t *testing.T) {
	tests := []struct {
		name  string
		run   func(r *rig, db *pendingCMDB)
		want  []string
		stale bool // the daemon stopped: its next pass is not the reference
	}{
		{"pending 35m under the daemon's eyes", func(r *rig, db *pendingCMDB) {
			for range 3 { // passes at 0, 10, 20 minutes
				r.pass()
				r.clk.Advance(10 * time.Minute)
			}
			r.clk.Advance(5 * time.Minute) // plan at 35m
		}, []string{"resend_status PS001"}, false},
		{"back to Pending 15m ago after a Ready pass", func(r *rig, db *pendingCMDB) {
			r.pass()
			r.clk.Advance(10 * time.Minute)
			db.set(false)
			r.pass()
			r.clk.Advance(10 * time.Minute)
			db.set(true)
			r.pass()
			r.clk.Advance(15 * time.Minute)
		}, nil, false},
		{"daemon restarted 15m ago", func(r *rig, db *pendingCMDB) {
			r.pass()
			r.clk.Advance(20 * time.Minute)
			if _, err := r.journal.Append(audit.Record{Type: audit.TypeStartup}); err != nil {
				t.Fatal(err)
			}
			r.restart()
			r.ctl.site.CMDB = db
			r.pass()
			r.clk.Advance(15 * time.Minute)
		}, nil, false},
		{"last pass longer than the grace ago", func(r *rig, db *pendingCMDB) {
			r.pass()
			r.clk.Advance(10 * time.Minute)
			r.pass()
			r.clk.Advance(31 * time.Minute)
		}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, db := pendingRig(t)
			r.pol.Mode = "dry-run" // the daemon must not repair the pair for us
			tt.run(r, db)
			c, _ := r.oneShot(db)
			if got := planned(t, c); !slices.Equal(got, tt.want) {
				t.Fatalf("plan %v, want %v", got, tt.want)
			}
			// and the daemon's own next pass agrees
			if res := r.pass(); !tt.stale && !slices.Equal(actionsOf(res), tt.want) {
				t.Fatalf("the daemon's pass plans %v; the one-shot %v", actionsOf(res), tt.want)
			}
		})
	}
}

func actionsOf(res PassResult) []string {
	var out []string
	for _, a := range res.Plan.Actions {
		out = append(out, string(a.Kind)+" "+string(a.Target.Server))
	}
	return out
}

// The pass_end records carry the delta only when something changed.
func TestPassEndCarriesTheAgeDelta(t *testing.T) {
	r, db := pendingRig(t)
	r.pol.Mode = "dry-run"
	r.pass()
	r.clk.Advance(time.Minute)
	r.pass()
	db.set(false)
	r.clk.Advance(time.Minute)
	r.pass()
	var deltas []string
	for _, rec := range r.records() {
		if rec.Type == audit.TypePassEnd {
			deltas = append(deltas, deltaSummary(t, rec))
		}
	}
	want := []string{"reset started 1", "none", "ended 1"}
	if !slices.Equal(deltas, want) {
		t.Fatalf("pass_end deltas %v, want %v", deltas, want)
	}
}

// deltaSummary says what a pass_end's age delta holds.
func deltaSummary(t *testing.T, rec audit.Record) string {
	t.Helper()
	var d map[string]json.RawMessage
	if err := json.Unmarshal(rec.Detail, &d); err != nil {
		t.Fatal(err)
	}
	if d[AgesKey] == nil {
		return "none"
	}
	var delta observed.AgeDelta
	if err := json.Unmarshal(d[AgesKey], &delta); err != nil {
		t.Fatal(err)
	}
	var parts []string
	if delta.Reset {
		parts = append(parts, "reset")
	}
	count := func(gs []observed.AgeGroup) int {
		n := 0
		for _, g := range gs {
			for _, p := range g.Pairs {
				n += len(p)
			}
		}
		return n
	}
	if n := count(delta.Started); n > 0 {
		parts = append(parts, fmt.Sprintf("started %d", n))
	}
	if n := count(delta.Ended); n > 0 {
		parts = append(parts, fmt.Sprintf("ended %d", n))
	}
	return strings.Join(parts, " ")
}
