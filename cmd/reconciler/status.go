package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/statusview"
)

func init() {
	register(command{name: "status", summary: "show each package server's conditions, or one server in detail (changes nothing)", run: runStatus})
}

// exitStale is status's code for a state shown from the journal because
// the site cannot be read now.
const exitStale = 3

// statusJSON is `status --json`: the health report (health.RenderJSON's
// schema) plus the controller's gates as the journal leaves them, and,
// when the CMDB cannot be read now, the last known state.
type statusJSON struct {
	health.Report
	Breaker guard.BreakerState  `json:"breaker"`
	Budgets []controller.Budget `json:"budgets"`
	Journal journalStatus       `json:"journal"`
	Stale   *statusview.Stale   `json:"stale,omitempty"`
	Ladder  statusview.Ladder   `json:"ladder"`
}

// statusFlags are the flags of `reconciler status`.
type statusFlags struct {
	json, watch bool
	every       time.Duration
	server      string
}

func runStatus(ctx context.Context, e *env, args []string) int {
	fs, c := newFlags(e, "status")
	var f statusFlags
	fs.BoolVar(&f.json, "json", false, "print JSON instead of a table")
	fs.BoolVar(&f.watch, "watch", false, "show it again every --every until interrupted (Ctrl-C)")
	fs.DurationVar(&f.every, "every", 5*time.Second, "with --watch: how often")
	fs.Usage = func() { statusUsage(fs.Output(), fs.PrintDefaults) }
	pos, code, done := parseInterspersedFlags(e, fs, args)
	if done {
		return code
	}
	switch {
	case len(pos) > 1:
		return e.errorf("status: want at most one SERVER, got %d", len(pos))
	case len(pos) == 1:
		f.server = pos[0]
	}
	if f.watch && f.every < time.Second {
		return e.errorf("status: --every %s: want at least 1s", f.every)
	}
	s, code := open(ctx, e, c)
	if s == nil {
		return code
	}
	defer s.close()
	render := func() int { return statusOnce(ctx, s, f) }
	if !f.watch {
		return render()
	}
	return statusview.Watch(ctx, s.clk, f.every, e.stdout, e.isTerminal(e.stdout) && !f.json, render)
}

func statusUsage(w io.Writer, defaults func()) {
	fmt.Fprintln(w, "usage: reconciler status [SERVER] [--json] [--watch [--every 5s]]")
	fmt.Fprintln(w, "\nWithout SERVER: every package server in scope with its conditions, the breaker, the")
	fmt.Fprintln(w, "budgets and the journal. With SERVER: that server's conditions, evidence, the actions a")
	fmt.Fprintln(w, "pass would take for it and why, and its history in the journal.")
	fmt.Fprintln(w, "Exit 0; 3 when the CMDB cannot be read now and the last known state is shown instead; 1 on error.")
	fmt.Fprintln(w, "\nflags:")
	defaults()
}

// statusOnce observes and prints one status; it returns the exit code.
func statusOnce(ctx context.Context, s *session, f statusFlags) int {
	e := s.e
	ctl, err := s.readOnlyController()
	if err != nil {
		return e.errorf("%v", err)
	}
	obs, rep := ctl.Survey(ctx)
	if f.server != "" {
		return statusServer(ctx, s, ctl, f, obs, rep)
	}
	breaker, budgets := ctl.Gates(s.clk.Now())
	ladder := statusview.LadderOf(ctl.Ladder())
	ladder.Apply(&rep)
	out := statusJSON{Report: rep, Breaker: breaker, Budgets: budgets, Journal: s.journalState(), Ladder: ladder}
	code := exitOK
	if obs.CMDBErr != nil {
		lk, ok := ctl.LastKnown()
		st := statusview.NewStale(obs.CMDBErr.Error(), lk, ok)
		out.Stale = &st
		code = exitStale
		if !ok {
			code = exitError
		}
	}
	if f.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return e.errorf("write status: %v", err)
		}
		return code
	}
	opt := health.TableOptions{Words: !e.isTerminal(e.stdout)}
	if out.Stale != nil {
		lk, ok := ctl.LastKnown()
		err = statusview.RenderStale(e.stdout, rep.At, out.Stale.Reason, lk, ok, opt)
	} else {
		err = health.RenderTable(e.stdout, rep, opt)
	}
	if err == nil {
		err = statusview.RenderLadder(e.stdout, ladder)
	}
	if err != nil {
		return e.errorf("write status: %v", err)
	}
	printGates(e.stdout, breaker, budgets)
	printJournal(e.stdout, out.Journal)
	return code
}

// serverJSON is `status SERVER --json`.
type serverJSON struct {
	Server  health.ServerHealth      `json:"server"`
	Agent   any                      `json:"agent,omitempty"`
	Pairs   any                      `json:"pairs"`
	Plan    actions.Plan             `json:"plan"`
	Held    map[string]heldV2        `json:"held,omitempty"`
	History []statusHistoryRecord    `json:"history"`
	Total   int                      `json:"history_total"`
	Ladder  *statusview.ServerLadder `json:"ladder,omitempty"`
}

// statusHistoryRecord is one journal record of a server's history, with
// the servers an NS action served.
type statusHistoryRecord struct {
	Record any      `json:"record"`
	Served []string `json:"served,omitempty"`
}

// statusServer prints one server's detail view.
func statusServer(ctx context.Context, s *session, ctl *controller.Controller, f statusFlags, obs *observed.Observation, rep health.Report) int {
	e := s.e
	if obs.CMDBErr != nil {
		return e.errorf("status %s: the CMDB cannot be read now (%v); `reconciler status` shows the last known state", f.server, obs.CMDBErr)
	}
	v, err := statusview.Find(rep, obs, f.server)
	if err != nil {
		return e.errorf("status: %v", err)
	}
	res, holds, err := evaluatePlan(ctx, ctl) // what `reconciler plan` shows
	if err != nil {
		return e.errorf("status: plan: %v", err)
	}
	v.Plan, v.Holds = statusview.ForServer(res.Plan, v.Health.Name), holds
	statusview.LadderOf(ctl.Ladder()).ApplyServer(&v.Health)
	lad, err := statusview.ServerLadderOf(ctl.Ladder(), v.Health.Name, s.pol.Audit.Path, s.clk.Now())
	if err != nil {
		s.log.Warn("journal", "error", err)
	}
	v.Ladder = &lad
	if v.History, v.HistoryTotal, err = statusview.History(s.pol.Audit.Path, string(v.Health.Name), statusview.MaxHistory); err != nil {
		s.log.Warn("journal", "error", err)
	}
	if !f.json {
		if err := statusview.RenderServer(e.stdout, v); err != nil {
			return e.errorf("write status: %v", err)
		}
		return exitOK
	}
	out := serverJSON{Server: v.Health, Pairs: v.Pairs, Plan: v.Plan, Total: v.HistoryTotal, History: []statusHistoryRecord{}, Ladder: v.Ladder}
	if v.Agent != nil {
		out.Agent = v.Agent
	}
	if held := newPlanJSON(planFormat, v.Plan, v.Holds).Held; held != nil {
		out.Held = held.(map[string]heldV2)
	}
	for _, r := range v.History {
		out.History = append(out.History, statusHistoryRecord{Record: r.Record, Served: r.Served})
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return e.errorf("write status: %v", err)
	}
	return exitOK
}

func printGates(w io.Writer, b guard.BreakerState, budgets []controller.Budget) {
	if b.Open {
		fmt.Fprintf(w, "\nCircuit breaker OPEN since %s: %s (reset: reconciler breaker reset)\n",
			b.Since.UTC().Format(time.RFC3339), b.Reason)
	} else {
		fmt.Fprintf(w, "\nCircuit breaker closed.\n")
	}
	for _, x := range budgets {
		fmt.Fprintf(w, "Budget %s: %d of %d left per %s\n", x.Kind, x.Remaining, x.Max, x.Per)
	}
}
