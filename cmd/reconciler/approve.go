package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/inbox"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

func init() {
	register(command{name: "approve", summary: "approve a plan (p-...) or actions held for approval", run: runApprove})
}

// planPrefix starts every plan id (actions.Plan.ID).
const planPrefix = "p-"

func runApprove(ctx context.Context, e *env, args []string) int {
	fs, c := newFlags(e, "approve")
	reason := fs.String("reason", "", "why you approve (recorded in the journal)")
	fs.Usage = func() { approveUsage(e.stderr, fs) }
	ids, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitError
	}
	plan, acts, err := classifyIDs(ids)
	if err != nil {
		return e.errorf("approve: %v", err)
	}
	log, err := c.logger(e)
	if err != nil {
		return e.errorf("%v", err)
	}
	var pol *policy.Policy
	code := exitOK
	if plan != "" {
		pol, acts, code = planApprovals(ctx, e, c, plan)
	} else if pol, code = loadPolicy(e, c); pol != nil {
		warnNotHeld(e, pol, acts)
	}
	if pol == nil || len(acts) == 0 {
		return code
	}
	req := inbox.Request{Type: audit.TypeApproval, Plan: plan, Actions: acts, Reason: *reason,
		Actor: audit.CurrentActor(), At: e.clock.Now()}
	seq, queued, err := deliver(e, log, pol.Audit.Path, req)
	if err != nil {
		return e.errorf("approve: %v", err)
	}
	if queued != "" {
		fmt.Fprintf(e.stdout, "approval queued for the running daemon: %s (recorded at its next pass)\n", queued)
	} else {
		fmt.Fprintf(e.stdout, "approved %s (journal seq %d)\n", plural(len(acts), "action"), seq)
	}
	for _, id := range acts {
		fmt.Fprintf(e.stdout, "  %s\n", id)
	}
	return exitOK
}

func approveUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "usage: reconciler approve ID [ID...] [--reason TEXT]")
	fmt.Fprintln(w, "\nID is the plan id that `reconciler plan` shows (p-...): every action of that")
	fmt.Fprintln(w, "plan held for approval; or action ids such as set_credential_mode:NS:anonymous#1.")
	fmt.Fprintln(w, "\nflags:")
	fs.PrintDefaults()
}

// parseInterspersed parses flags placed before, between or after the
// positional arguments (approve ID --reason x) and returns the latter.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

// classifyIDs checks the ids: one plan id, or action ids (canonical form,
// duplicates dropped).
func classifyIDs(ids []string) (plan string, acts []string, err error) {
	if len(ids) == 0 {
		return "", nil, errors.New("want a plan id (p-..., from reconciler plan) or action ids")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if strings.HasPrefix(id, planPrefix) {
			if len(ids) > 1 {
				return "", nil, fmt.Errorf("a plan id (%s) stands alone: approve the plan, or action ids", vocab.Clip(id))
			}
			if len(id) == len(planPrefix) || strings.ContainsFunc(id, isSpaceOrControl) {
				return "", nil, fmt.Errorf("%q is not a plan id", vocab.Clip(id))
			}
			return id, nil, nil
		}
		canon, err := checkActionID(id)
		if err != nil {
			return "", nil, err
		}
		if !seen[canon] {
			seen[canon] = true
			acts = append(acts, canon)
		}
	}
	return "", acts, nil
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

// checkActionID validates an action id (actions.ParseID) and returns it in
// canonical form (GUIDs lower case, without braces).
func checkActionID(id string) (string, error) {
	a, err := actions.ParseID(id)
	if err != nil {
		return "", err
	}
	return a.String(), nil
}

// warnNotHeld notes action ids whose kind the policy does not hold for
// approval: approving them is recorded but changes nothing today.
func warnNotHeld(e *env, pol *policy.Policy, ids []string) {
	for _, id := range ids {
		a, err := actions.ParseID(id)
		if err != nil {
			continue // classifyIDs checked every id
		}
		if kind := a.Kind; !pol.NeedsApproval(kind) {
			fmt.Fprintf(e.stderr, "note: the policy does not hold %s for approval (approve = [...]); %s needs none today\n", kind, id)
		}
	}
}

// planApprovals checks that plan is the current plan and returns the
// policy and the ids of its actions that need approval. With none, it
// says so and returns no ids.
func planApprovals(ctx context.Context, e *env, c *common, plan string) (*policy.Policy, []string, int) {
	s, code := open(ctx, e, c)
	if s == nil {
		return nil, nil, code
	}
	defer s.close()
	ctl, err := s.readOnlyController()
	if err != nil {
		return nil, nil, e.errorf("approve: %v", err)
	}
	res, err := ctl.PlanOnly(ctx)
	switch {
	case err != nil:
		return nil, nil, e.errorf("approve: plan: %v", err)
	case res.Obs.CMDBErr != nil:
		return nil, nil, e.errorf("approve: cannot check plan %s: CMDB not read: %v", plan, res.Obs.CMDBErr)
	case res.Plan.ID != plan:
		return nil, nil, e.errorf("plan changed: current plan is %s (run reconciler plan)", res.Plan.ID)
	}
	ids := guard.ApprovalKeys(s.pol, res.Plan) // one key for both rounds of the reset cycle
	if len(ids) == 0 {
		fmt.Fprintf(e.stdout, "plan %s: no action needs approval; nothing recorded\n", plan)
	}
	return s.pol, ids, exitOK
}

// deliver records req in the journal at path when no daemon holds it, and
// returns the record's seq; when a daemon holds it, it queues req in the
// journal's inbox for the daemon's next pass and returns the file.
func deliver(e *env, log *slog.Logger, path string, req inbox.Request) (int64, string, error) {
	d, err := inbox.Deliver(path, req, audit.Options{Clock: e.clock, Logger: log})
	return d.Seq, d.Queued, err
}
