// Package estatetest builds, for tests, a real controller on an in-memory
// simulated site with a fake clock and a real journal in a temporary
// folder, wired to an estate view as the daemon wires it.
package estatetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/estateview"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/sim"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

// T0 is when the rig's clock starts.
var T0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// BasePolicy is the rig's policy; extra HCL is appended.
const BasePolicy = `
mode = "enforce"
site "sim" {
  dir = "site"
}
credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}
`

// Rig is a controller, its site, journal and view.
type Rig struct {
	T       testing.TB
	Dir     string
	Clock   *clock.Fake
	Policy  *policy.Policy
	Site    *sim.Site
	Journal *audit.Journal
	Ctl     *controller.Controller
	View    *estateview.View
	// Wrap, when set, gives the controller another view of the site (a
	// hostile CMDB or agent answers); nil uses the site as it is.
	Wrap func(*sim.Site) controller.Site
}

// New builds a rig on the scenario (JSON) with extra policy HCL.
func New(t testing.TB, scenario, extra string) *Rig {
	t.Helper()
	return NewWrapped(t, scenario, extra, nil)
}

// NewWrapped is New with the controller's site wrapped.
func NewWrapped(t testing.TB, scenarioJSON, extra string, wrap func(*sim.Site) controller.Site) *Rig {
	t.Helper()
	r := &Rig{T: t, Dir: t.TempDir(), Clock: clock.NewFake(T0), Wrap: wrap}
	path := filepath.Join(r.Dir, "policy.hcl")
	src := BasePolicy + extra
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse([]byte(src), path)
	if err != nil {
		t.Fatalf("policy: %v", err)
	}
	r.Policy = p
	sc, err := scenario.Parse("test.json", []byte(scenarioJSON))
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	if r.Site, err = sim.NewMemory(sc, sc.Seed, sim.Options{Clock: r.Clock}); err != nil {
		t.Fatal(err)
	}
	r.Restart()
	return r
}

// Restart closes the journal and builds a new controller and view on the
// same site and journal, as a daemon restart does: the view is rebuilt
// from the journal.
func (r *Rig) Restart() {
	r.T.Helper()
	if r.Journal != nil {
		r.Journal.Close()
	}
	var ctl *controller.Controller
	var view *estateview.View
	// As the daemon does: the journal hands each record it stored to the
	// view (audit.Options.Forward).
	j, err := audit.Open(r.Policy.Audit.Path, audit.Options{Clock: r.Clock, Forward: func(rec audit.Record) {
		if view != nil {
			view.Ingest(rec)
		}
	}})
	if err != nil {
		r.T.Fatal(err)
	}
	r.Journal = j
	r.T.Cleanup(func() { j.Close() })
	// As the daemon does: the journal is attached at the first pass, which
	// restores the gates and rebuilds the view.
	attach := func(context.Context) (controller.Journal, error) {
		if err := ctl.Restore(r.Policy.Audit.Path); err != nil {
			return nil, err
		}
		if err := view.Rebuild(r.Policy.Audit.Path); err != nil {
			return nil, err
		}
		view.Attach(j)
		return j, nil
	}
	site := controller.Site{CMDB: r.Site, NS: r.Site, Agents: r.Site, Driver: r.Site}
	if r.Wrap != nil {
		site = r.Wrap(r.Site)
	}
	ctl, err = controller.New(controller.Options{Policy: r.Policy,
		Site:      site,
		Clock:     r.Clock,
		Attach:    attach,
		AfterPass: func(res controller.PassResult) { view.Push(res) }})
	if err != nil {
		r.T.Fatal(err)
	}
	if view, err = estateview.New(ctl, r.Clock, nil); err != nil {
		r.T.Fatal(err)
	}
	if err := view.Rebuild(r.Policy.Audit.Path); err != nil {
		r.T.Fatal(err)
	}
	r.Ctl, r.View = ctl, view
}

// Pass runs one pass and advances the clock by step afterwards.
func (r *Rig) Pass(step time.Duration) controller.PassResult {
	r.T.Helper()
	res, err := r.Ctl.ReconcileOnce(context.Background())
	if err != nil {
		r.T.Fatalf("pass %s: %v", res.ID, err)
	}
	r.Clock.Advance(step)
	return res
}
