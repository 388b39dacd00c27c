package controller

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/sim"
	simscenario "github.com/itms-tools/reconciler/site/sim/scenario"
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// basePolicy is a policy for tests; extra HCL is appended.
const basePolicy = `
mode = "enforce"
site "sim" {
  dir = "site"
}
credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}
`

// rig is a controller on an in-memory simulated site with a real journal
// in a temp dir and a fake clock.
type rig struct {
	t       *testing.T
	dir     string
	clk     *clock.Fake
	pol     *policy.Policy
	site    *sim.Site
	journal *audit.Journal
	ctl     *Controller
}

func parsePolicy(t *testing.T, dir, extra string) *policy.Policy {
	t.Helper()
	path := filepath.Join(dir, "policy.hcl")
	src := basePolicy + extra
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse([]byte(src), path)
	if err != nil {
		t.Fatalf("policy: %v", err)
	}
	return p
}

func scenario(t *testing.T, js string) *simscenario.Scenario {
	t.Helper()
	sc, err := simscenario.Parse("test.json", []byte(js))
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	return sc
}

func newRig(t *testing.T, sc *simscenario.Scenario, extra string) *rig {
	t.Helper()
	r := &rig{t: t, dir: t.TempDir(), clk: clock.NewFake(t0)}
	r.pol = parsePolicy(t, r.dir, extra)
	s, err := sim.NewMemory(sc, sc.Seed, sim.Options{Clock: r.clk})
	if err != nil {
		t.Fatal(err)
	}
	r.site = s
	r.restart()
	return r
}

// restart closes the journal and builds a new controller on the same site
// and journal, as a process restart would.
func (r *rig) restart() {
	r.t.Helper()
	if r.journal != nil {
		r.journal.Close()
	}
	j, err := audit.Open(r.pol.Audit.Path, audit.Options{Clock: r.clk})
	if err != nil {
		r.t.Fatal(err)
	}
	r.journal = j
	r.t.Cleanup(func() { j.Close() })
	ctl, err := New(Options{Policy: r.pol, Site: Site{CMDB: r.site, NS: r.site, Agents: r.site, Driver: r.site},
		Journal: j, Clock: r.clk, Metrics: NewMetrics()})
	if err != nil {
		r.t.Fatal(err)
	}
	if err := ctl.Restore(r.pol.Audit.Path); err != nil {
		r.t.Fatal(err)
	}
	r.ctl = ctl
}

func (r *rig) pass() PassResult {
	r.t.Helper()
	res, err := r.ctl.ReconcileOnce(context.Background())
	if err != nil {
		r.t.Fatalf("pass: %v", err)
	}
	return res
}

// records reads the journal back.
func (r *rig) records() []audit.Record {
	r.t.Helper()
	var out []audit.Record
	if err := audit.ReadAll(r.pol.Audit.Path, func(rec audit.Record) error {
		out = append(out, rec)
		return nil
	}); err != nil {
		r.t.Fatal(err)
	}
	return out
}

// outcomes counts outcome records by "outcome kind [rule class]".
func (r *rig) outcomes() map[string]int {
	m := map[string]int{}
	for _, rec := range r.records() {
		if rec.Type != audit.TypeOutcome {
			continue
		}
		key := string(rec.Outcome) + " " + rec.Kind
		if rec.Rule != "" {
			key += " [" + actions.ParseRule(rec.Rule).ClassName() + "]"
		}
		m[key]++
	}
	return m
}

func (r *rig) verifyJournal() {
	r.t.Helper()
	v, err := audit.Verify(r.pol.Audit.Path)
	if err != nil || !v.OK() {
		r.t.Fatalf("journal does not verify: %+v %v", v, err)
	}
}

func countKind(res PassResult, k actions.Kind, o actions.Outcome) int {
	n := 0
	for _, a := range res.Plan.Actions {
		if a.Kind == k && res.Exec.Steps[a.ID].Outcome == o {
			n++
		}
	}
	return n
}

func hasKey(m map[string]int, prefix string) bool {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
