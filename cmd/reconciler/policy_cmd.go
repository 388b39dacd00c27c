package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"

	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/policy"
)

func init() {
	register(command{
		name:    "policy",
		summary: "check a policy file: policy check [FILE]",
		run:     runPolicy,
	})
}

// runPolicy dispatches the policy verbs. Today there is one: check.
func runPolicy(_ context.Context, e *env, args []string) int {
	verb, rest := splitVerb(args)
	switch verb {
	case "check":
		return policyCheck(e, rest)
	}
	return noVerb(e, "policy", verb, rest, policyUsage)
}

func policyUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: reconciler policy check [--json] [--policy FILE] [FILE]")
	fmt.Fprintln(w, "\nChecks a policy file and reports every problem as file:line:col.")
	fmt.Fprintln(w, "FILE defaults to --policy, itself policy.hcl in the current folder.")
}

// policyCheck loads the policy and prints a one-line summary, or every
// diagnostic to stderr.
func policyCheck(e *env, args []string) int {
	fs, c := newFlags(e, "policy check")
	asJSON := fs.Bool("json", false, "print the result as JSON (Terraform's validate -json shape) on stdout")
	fs.Usage = func() {
		policyUsage(fs.Output())
		fmt.Fprintln(fs.Output(), "\nflags:")
		fs.PrintDefaults()
	}
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	switch fs.NArg() {
	case 0:
	case 1:
		c.policyPath = fs.Arg(0)
	default:
		return e.errorf("policy check: want at most one FILE, got %q", fs.Args())
	}
	path, err := c.absPolicy()
	if err != nil {
		return e.errorf("%v", err)
	}
	p, err := policy.Load(path)
	if *asJSON {
		return policyCheckJSON(e, err, path, c.policyPath)
	}
	if err != nil {
		var pe *policy.Error
		if !errors.As(err, &pe) {
			return e.errorf("policy check: %v", err)
		}
		pe = relabel(pe, path, c.policyPath)
		if werr := pe.Write(e.stderr, e.isTerminal(e.stderr)); werr != nil {
			return e.errorf("%v", werr)
		}
		return exitError
	}
	fmt.Fprintf(e.stdout, "%s: valid (%s)\n", c.policyPath, policySummary(p))
	for _, w := range guard.Warnings(p) {
		fmt.Fprintf(e.stderr, "%s: warning: %s\n", c.policyPath, w)
	}
	return exitOK
}

// policyCheckJSON prints the result of loading the policy as JSON:
// exit 0 when valid, 1 when not.
func policyCheckJSON(e *env, err error, abs, shown string) int {
	var pe *policy.Error
	if errors.As(err, &pe) {
		err = relabel(pe, abs, shown)
	}
	r := policy.Check(err)
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if werr := enc.Encode(r); werr != nil {
		return e.errorf("policy check: write: %v", werr)
	}
	if !r.Valid {
		return exitError
	}
	return exitOK
}

// relabel returns a copy of pe whose diagnostics name the policy file as
// the user typed it (policy.hcl:3:5) rather than by its absolute path.
func relabel(pe *policy.Error, abs, shown string) *policy.Error {
	rename := func(r *hcl.Range) *hcl.Range {
		if r == nil || r.Filename != abs {
			return r
		}
		c := *r
		c.Filename = shown
		return &c
	}
	out := &policy.Error{Files: make(map[string]*hcl.File, len(pe.Files))}
	for name, f := range pe.Files {
		if name == abs {
			name = shown
		}
		out.Files[name] = f
	}
	for _, d := range pe.Diags {
		c := *d
		c.Subject, c.Context = rename(d.Subject), rename(d.Context)
		out.Diags = append(out.Diags, &c)
	}
	return out
}

// policySummary describes a valid policy in a few words:
// "mode enforce, site sim, 2 limits, 1 window, 0 approvals".
func policySummary(p *policy.Policy) string {
	return fmt.Sprintf("mode %s, site %s, %s, %s, %s", p.Mode, p.Site.Kind,
		plural(len(p.Limits), "limit"), plural(len(p.Windows), "window"), plural(len(p.Approve), "approval"))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
