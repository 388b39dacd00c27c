// Package doctor is `reconciler doctor`: a read-only preflight before the
// first enforce. Each Check looks at one thing — the policy, the CMDB
// (connection, rights, schema), the NS and every package server in scope
// over the site's driver, the journal (its chain, lock and anchor), the
// leader lock, the HTTP listen address — and says pass, warn or fail, and
// what to do. On the simulated site the same checks run against the
// simulator.
//
// A check changes nothing. Calls that authenticate are made once per
// credential: after a refused login no other check tries that credential
// again (an account's lockout threshold counts every attempt).
package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/itms-tools/reconciler/vocab"
)

// Status is a check's verdict.
type Status string

// Verdicts, from best to worst. Skip is a check that could not run
// because an earlier one failed.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Skip Status = "skip"
	Fail Status = "fail"
)

// Result is one verdict of a check, on one target.
type Result struct {
	Check  string `json:"check"`
	Target string `json:"target,omitempty"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	// Fix says what to do; empty when nothing needs doing.
	Fix string `json:"fix,omitempty"`
}

// Check is one preflight check. Run returns at least one Result.
type Check interface {
	Name() string
	Run(ctx context.Context) []Result
}

// Report is the outcome of a run of checks.
type Report struct {
	Results []Result `json:"results"`
	// OK is false when a result failed (warnings pass).
	OK     bool           `json:"ok"`
	Counts map[Status]int `json:"counts"`
}

// Run runs the checks in order and gathers their results.
func Run(ctx context.Context, checks []Check) Report {
	r := Report{Counts: map[Status]int{Pass: 0, Warn: 0, Skip: 0, Fail: 0}}
	for _, c := range checks {
		for _, res := range c.Run(ctx) {
			if res.Check == "" {
				res.Check = c.Name()
			}
			r.Results = append(r.Results, res)
			r.Counts[res.Status]++
		}
	}
	r.OK = r.Counts[Fail] == 0
	return r
}

// WriteTable writes the report for people: one line per result, what to
// do under each warning and failure, and the counts.
func WriteTable(w io.Writer, r Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tTARGET\tSTATUS\tDETAIL")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", res.Check, orDash(vocab.Printable(res.Target)), strings.ToUpper(string(res.Status)),
			vocab.Printable(res.Detail))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	todo := false
	for _, res := range r.Results {
		if res.Fix == "" || res.Status == Pass {
			continue
		}
		if !todo {
			fmt.Fprintln(w, "\nWhat to do:")
			todo = true
		}
		what := res.Check
		if res.Target != "" {
			what += " " + vocab.Printable(res.Target)
		}
		fmt.Fprintf(w, "  %s (%s): %s\n", what, res.Status, vocab.Printable(res.Fix))
	}
	verdict := "ready"
	if !r.OK {
		verdict = "NOT ready"
	}
	_, err := fmt.Fprintf(w, "\n%s: %d pass, %d warn, %d fail, %d skipped.\n", verdict, r.Counts[Pass], r.Counts[Warn], r.Counts[Fail], r.Counts[Skip])
	return err
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// checkFunc adapts a function to Check.
type checkFunc struct {
	name string
	run  func(ctx context.Context) []Result
}

func (c checkFunc) Name() string                     { return c.name }
func (c checkFunc) Run(ctx context.Context) []Result { return c.run(ctx) }

// Func makes a Check of a function.
func Func(name string, run func(ctx context.Context) []Result) Check { return checkFunc{name, run} }

// one is a single result.
func one(s Status, detail, fix string) []Result {
	return []Result{{Status: s, Detail: detail, Fix: fix}}
}
