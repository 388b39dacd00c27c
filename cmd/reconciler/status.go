package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/health"
)

func init() {
	register(command{name: "status", summary: "show each package server's conditions (changes nothing)", run: runStatus})
}

// statusJSON is `status --json`: the health report (health.RenderJSON's
// schema) plus the controller's gates as the journal leaves them.
type statusJSON struct {
	health.Report
	Breaker guard.BreakerState  `json:"breaker"`
	Budgets []controller.Budget `json:"budgets"`
	Journal journalStatus       `json:"journal"`
}

func runStatus(ctx context.Context, e *env, args []string) int {
	fs, c := newFlags(e, "status")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if code, done := parseFlags(e, fs, args); done {
		return code
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
	_, rep := ctl.Survey(ctx)
	breaker, budgets := ctl.Gates(s.clk.Now())
	js := s.journalState()
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(statusJSON{Report: rep, Breaker: breaker, Budgets: budgets, Journal: js}); err != nil {
			return e.errorf("write status: %v", err)
		}
		return exitOK
	}
	if err := health.RenderTable(e.stdout, rep, health.TableOptions{Words: !e.isTerminal(e.stdout)}); err != nil {
		return e.errorf("write status: %v", err)
	}
	printGates(e.stdout, breaker, budgets)
	printJournal(e.stdout, js)
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
