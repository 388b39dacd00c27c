package main

import (
	"context"
	"encoding/json"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/controller"
)

func init() {
	register(command{name: "plan", summary: "show what a pass would do and why (changes nothing)", run: runPlan})
}

// planJSON is `plan --json`: the plan (actions.Plan's documented schema)
// and, per held action id, the rule that would hold it now.
type planJSON struct {
	actions.Plan
	Held map[string]actions.Hold `json:"held,omitempty"`
}

// evaluatePlan is the evaluation `reconciler plan` shows, and the web
// console's plan page too: the pass's own evaluation (observe, plan, and
// the gates as the controller rebuilt them from the journal), without
// acting. It changes nothing.
func evaluatePlan(ctx context.Context, ctl *controller.Controller) (controller.PassResult, map[string]actions.Hold, error) {
	res, err := ctl.PlanOnly(ctx)
	if err != nil {
		return res, nil, err
	}
	return res, res.Holds, nil
}

func runPlan(ctx context.Context, e *env, args []string) int {
	fs, c := newFlags(e, "plan")
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	detailed := fs.Bool("detailed-exitcode", false, "exit 0 when there is nothing to do, 2 when actions are pending, 1 on error")
	if err := fs.Parse(args); err != nil {
		return exitError
	}
	s, code := open(ctx, e, c)
	if s == nil {
		return code
	}
	defer s.close()
	ctl, err := s.observer()
	if err != nil {
		return e.errorf("%v", err)
	}
	res, holds, err := evaluatePlan(ctx, ctl)
	if err != nil {
		return e.errorf("plan: %v", err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(planJSON{Plan: res.Plan, Held: holds})
	} else {
		err = actions.Render(e.stdout, res.Plan, actions.RenderOptions{Holds: holds})
	}
	if err != nil {
		return e.errorf("write plan: %v", err)
	}
	if res.Obs.CMDBErr != nil || res.Obs.NSErr != nil {
		return exitError
	}
	if *detailed && !res.Plan.Empty() {
		return exitChanges
	}
	return exitOK
}
