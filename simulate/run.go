package simulate

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/site/sim"
)

// Result is what a simulation gives: the report, and the series the HTML
// charts draw.
type Result struct {
	Report Report
	Series Series
}

// Run simulates the scenario under the policy from o.Start for the
// scenario's duration, on a virtual clock, and returns the report. The
// journal at o.AuditPath is left in place (closed) for the caller.
//
// It fails when the inputs are unusable or ctx ends; a simulation that ran
// returns a report whether or not the site converged.
func Run(ctx context.Context, o Options) (Result, error) {
	o, err := o.check()
	if err != nil {
		return Result{}, err
	}
	clk := clock.NewFake(o.Start)
	o.Logger = slog.New(virtualTime{h: o.Logger.Handler(), clk: clk})
	pol := simPolicy(o.Policy)
	site, err := sim.NewMemory(o.Scenario, o.Scenario.Seed, sim.Options{Clock: clk, InScope: pol.Scope.Match, Want: &pol.Credential})
	if err != nil {
		return Result{}, fmt.Errorf("build site: %w", err)
	}
	defer site.Close()
	j, err := audit.Open(o.AuditPath, audit.Options{Clock: clk, Actor: Actor, Logger: o.Logger})
	if err != nil {
		return Result{}, fmt.Errorf("open journal: %w", err)
	}
	defer j.Close()
	t := &tally{j: j, facts: newFacts()}
	metrics := controller.NewMetrics()
	ctl, err := controller.New(controller.Options{Policy: pol, Journal: t, Clock: clk, Logger: o.Logger, Metrics: metrics,
		Site: controller.Site{CMDB: site, NS: site, Agents: site, Driver: site}})
	if err != nil {
		return Result{}, err
	}
	defer ctl.Close()
	rejects := 0
	d := &driver{clk: clk, end: o.End(), afterWake: func() {
		if rep := ctl.Report(); rep != nil {
			rejects = max(rejects, rep.Totals.Rejects)
		}
		if o.Progress != nil {
			o.Progress(clk.Now())
		}
	}}
	if _, err := d.run(ctx, ctl); err != nil {
		return Result{}, fmt.Errorf("simulation stopped at %s: %w", clk.Now().Sub(o.Start), err)
	}
	if err := j.Close(); err != nil {
		return Result{}, err
	}
	t.facts.deferrals = metrics.Deferrals()
	return collect(o, pol, site, t.facts, rejects, stalledServers(ctl))
}

// stalledServers lists, sorted, the servers the controller's ladder holds
// stalled.
func stalledServers(ctl *controller.Controller) []string {
	out := []string{}
	for h := range ctl.Ladder().Stalled() {
		out = append(out, string(h))
	}
	slices.Sort(out)
	return out
}
