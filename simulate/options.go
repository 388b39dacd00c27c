package simulate

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

// DefaultStart is the virtual start when Options.Start is zero: a Monday,
// midnight UTC, so that weekday windows show from the first day.
var DefaultStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Actor writes every journal record of a simulation, so that the journal
// does not depend on the machine that ran it.
var Actor = audit.Actor{Host: "simulator", User: "reconciler-sim", PID: 1}

// Options configure one simulation.
type Options struct {
	// Policy is the policy under test; its site, audit and http blocks are
	// ignored (the scenario defines the site).
	Policy *policy.Policy
	// Scenario is the simulated site and its faults; its Seed seeds it.
	Scenario *scenario.Scenario
	// Start is the virtual start; zero means DefaultStart.
	Start time.Time
	// AuditPath is the journal file. It must not exist or be empty, so that
	// no earlier spend counts against the budgets.
	AuditPath string
	// Logger receives the controller's logs, stamped with the virtual
	// time; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called with the virtual time after each wake
	// of the loop (see Progress.Update).
	Progress func(at time.Time)
}

// check validates the options and fills in defaults.
func (o Options) check() (Options, error) {
	if o.Policy == nil {
		return o, errors.New("simulate: no policy")
	}
	if o.Scenario == nil {
		return o, errors.New("simulate: no scenario")
	}
	if o.Scenario.Duration <= 0 {
		return o, fmt.Errorf("simulate: scenario %s: duration %s is not positive", o.Scenario.Name, o.Scenario.Duration)
	}
	if o.AuditPath == "" {
		return o, errors.New("simulate: no journal path")
	}
	if fi, err := os.Stat(o.AuditPath); err == nil && fi.Size() > 0 {
		return o, fmt.Errorf("simulate: journal %s is not empty: budgets would start spent", o.AuditPath)
	}
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	o.Start = o.Start.UTC()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// End is the end of the simulated time.
func (o Options) End() time.Time { return o.Start.Add(o.Scenario.Duration) }

// simPolicy is the policy the controller runs: the policy under test,
// copied, without its site.
func simPolicy(p *policy.Policy) *policy.Policy {
	cp := *p
	cp.Site = policy.Site{}
	cp.HTTP = policy.HTTP{}
	return &cp
}
