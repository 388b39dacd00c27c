package main

import (
	"context"
	"encoding/json"

	"github.com/itms-tools/reconciler/actions"
)

func init() {
	register(command{name: "plan", summary: "show what a pass would do and why (changes nothing)", run: runPlan})
}

// planJSON is `plan --json`: the plan (actions.Plan's documented schema)
// and, per action id that will not run in this pass, the rule: a gate's or
// a binding rule's, or "dependency ID" for an action waiting for held ID.
type planJSON struct {
	actions.Plan
	Held map[string]actions.Hold `json:"held,omitempty"`
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
	res, err := ctl.PlanOnly(ctx)
	if err != nil {
		return e.errorf("plan: %v", err)
	}
	holds := res.Holds // the pass's own evaluation: the gates as the controller rebuilt them
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
