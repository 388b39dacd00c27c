package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/actions/planner"
	"github.com/itms-tools/reconciler/bench/internal/estate"
	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/policy"
)

// runPlan times planner.Compute alone on an observation with many causes:
// the observation of a simulated site (estate.PlanCase) whose servers
// each have a few pairs broken by one of the pair-level causes.
func runPlan(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("plan")
	polPath := fs.String("policy", "", "policy file (required): the credential and pending grace")
	servers := fs.Int("servers", 1000, "package servers, each with causes/servers causes")
	causes := fs.Int("causes", 10_000, "pairs in question, each with a cause")
	runs := fs.Int("runs", 5, "plans to time; the median is reported")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *polPath == "" {
		return errors.New("plan: --policy is required")
	}
	pol, err := policy.Load(*polPath)
	if err != nil {
		return err
	}
	obs, err := estate.PlanCase(ctx, *servers, *causes)
	if err != nil {
		return err
	}
	if n := len(obs.Pairs()); n != *causes {
		return fmt.Errorf("plan: the case holds %d pairs in question, not %d", n, *causes)
	}
	in := planner.Input{Desired: desired.New(pol.Credential, pol.Scope, pol.Reconcile.PendingGrace), Obs: obs, Now: obs.At}
	var secs []float64
	var plan actions.Plan
	for range max(*runs, 1) {
		start := time.Now()
		plan = planner.Compute(in)
		secs = append(secs, time.Since(start).Seconds())
	}
	return writeJSON(stdout, map[string]any{"seconds": median(secs), "runs": secs, "servers": *servers,
		"causes": *causes, "actions": len(plan.Actions), "notes": len(plan.Notes)})
}
