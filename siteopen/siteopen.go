// Package siteopen is wiring: it opens the site a policy names, the
// simulated site (package site/sim) or a real ITMS estate (package
// site/itms), into the interfaces the controller consumes, and says what
// must be audited at start and redacted everywhere.
//
// It holds no logic of its own beyond that choice; the drivers live under
// site/, and only this package (and the commands that call it) imports
// both a driver and the controller.
package siteopen

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/leader"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/sim"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

// Opened is a site ready for the controller.
type Opened struct {
	controller.Site
	// Notes are security-relevant settings in force (for example an
	// insecure transport the policy allowed): logged and audited at start.
	Notes []string
	// Secrets returns values that must never reach a log or the journal.
	Secrets func() []string
	// Schema checks and returns the CMDB's schema (reconciler doctor).
	Schema func(context.Context) (cmdb.Schema, error)
	close  func() error
}

// Close releases the drivers.
func (o *Opened) Close() error {
	if o.close == nil {
		return nil
	}
	return o.close()
}

// Open opens the site of the policy.
func Open(ctx context.Context, p *policy.Policy, clk clock.Clock, log *slog.Logger) (*Opened, error) {
	switch p.Site.Kind {
	case "sim":
		return openSim(ctx, p.Site.Sim, clk, log)
	case "itms":
		return openITMS(ctx, p.Site.ITMS, KeyPath(p), log)
	}
	return nil, fmt.Errorf("site kind %q: want sim or itms", p.Site.Kind)
}

func openSim(ctx context.Context, cfg *policy.SimSite, clk clock.Clock, log *slog.Logger) (*Opened, error) {
	sc, err := Scenario(cfg.Scenario)
	if err != nil {
		return nil, err
	}
	s, err := sim.Open(ctx, cfg.Dir, sc, cfg.Seed, sim.Options{Clock: clk, HideCredentialFacts: cfg.HideCredentialFacts})
	if err != nil {
		return nil, fmt.Errorf("open simulated site %s: %w", cfg.Dir, err)
	}
	o := &Opened{
		Site: controller.Site{CMDB: s, NS: s, Agents: s, Driver: s,
			Lock: leader.NewFile(filepath.Join(cfg.Dir, "leader.lock"))},
		Notes:   s.Notes(),
		Secrets: func() []string { return nil },
		Schema:  s.CMDBSchema,
	}
	o.close = func() error { return s.Close() }
	if s.Created() {
		logFaults(log, cfg, sc, s.FaultLines())
	}
	return o, nil
}

// logFaults says, when a simulated site is created, what its scenario
// breaks and when: what a newcomer is about to watch the daemon repair.
func logFaults(log *slog.Logger, cfg *policy.SimSite, sc *scenario.Scenario, faults []string) {
	if log == nil {
		return
	}
	log.Info(fmt.Sprintf("created the simulated site %s from scenario %s: %d servers x %d packages, %d scripted faults "+
		"(times from now; delete the folder to start over)", cfg.Dir, sc.Name, sc.Servers, sc.Packages, len(faults)))
	for _, f := range faults {
		log.Info("scripted fault: " + f)
	}
}

// Scenario resolves a policy's scenario: a built-in name or a JSON file.
func Scenario(name string) (*scenario.Scenario, error) {
	if strings.HasSuffix(strings.ToLower(name), ".json") || filepath.IsAbs(name) {
		return scenario.Load(name)
	}
	return scenario.Builtin(name)
}
