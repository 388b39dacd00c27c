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

// planFormat is the version of `plan --json` printed by default.
// Version 1 is the first shape (held: {"Rule", "Outcome"}); version 2
// spells the held keys in lower case ({"rule", "outcome"}).
const planFormat = 2

// planJSON is `plan --json`: the format version, the plan (actions.Plan's
// documented schema) and, per held action id, the rule that would hold it
// now, in the keys of the format version.
type planJSON struct {
	FormatVersion int `json:"format_version"`
	actions.Plan
	Held any `json:"held,omitempty"`
}

// heldV2 is one held action in format version 2.
type heldV2 struct {
	Rule    string          `json:"rule"`
	Outcome actions.Outcome `json:"outcome"`
}

// newPlanJSON shapes the plan and its holds for a format version.
func newPlanJSON(version int, p actions.Plan, holds map[string]actions.Hold) planJSON {
	out := planJSON{FormatVersion: version, Plan: p}
	if len(holds) == 0 {
		return out
	}
	if version == 1 {
		out.Held = holds
		return out
	}
	v2 := make(map[string]heldV2, len(holds))
	for id, h := range holds {
		v2[id] = heldV2{Rule: h.Rule(), Outcome: h.Outcome}
	}
	out.Held = v2
	return out
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
	format := fs.Int("format-version", planFormat, "with --json: the format version (1: held keys Rule/Outcome; 2: rule/outcome)")
	detailed := fs.Bool("detailed-exitcode", false, "exit 0 when there is nothing to do, 2 when actions are pending, 1 on error")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if *format != 1 && *format != 2 {
		return e.errorf("plan: --format-version %d: want 1 or 2", *format)
	}
	s, code := open(ctx, e, c)
	if s == nil {
		return code
	}
	defer s.close()
	ctl, err := s.readOnlyController()
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
		err = enc.Encode(newPlanJSON(*format, res.Plan, holds))
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
