package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/auditfilter"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

func init() {
	register(command{name: "audit", summary: "show the audit journal (filters, --json), check it (audit verify), export it (audit export)", run: runAudit})
}

// runAudit lists records, or with the verb verify checks the chain and
// the anchor, or with export writes records for a SIEM. All read without
// the journal's lock, so they work while the daemon runs.
func runAudit(_ context.Context, e *env, args []string) int {
	verb, rest := splitVerb(args)
	switch verb {
	case "":
		return auditList(e, rest)
	case "verify":
		return auditVerify(e, rest)
	case "export":
		return auditExport(e, rest)
	}
	return e.errorf("audit: unknown verb %q (want filters, verify or export)", verb)
}

// auditFilters are the raw filter flags of `reconciler audit`; package
// auditfilter validates them (the web console's journal page uses it too).
type auditFilters struct{ f auditfilter.Filters }

func (a *auditFilters) register(fs *flag.FlagSet) {
	f := &a.f
	fs.StringVar(&f.Since, "since", "", "records at or after this: a duration before now (2h) or an RFC 3339 time")
	fs.StringVar(&f.Until, "until", "", "records before this: a duration before now (30m) or an RFC 3339 time")
	fs.StringVar(&f.Server, "server", "", "records of this package server (case-insensitive)")
	fs.StringVar(&f.Kind, "kind", "", "records of this action kind")
	fs.StringVar(&f.Outcome, "outcome", "", "records with this outcome: applied, failed, deferred, skipped, indeterminate")
	fs.StringVar(&f.Plan, "plan", "", "records of this plan id")
	fs.StringVar(&f.Type, "type", "", "records of this type: "+auditfilter.TypeNames())
	fs.StringVar(&f.Pass, "pass", "", "records of this pass id")
}

// query validates the filters and turns them into an audit.Query; errors
// name the flag.
func (a *auditFilters) query(now time.Time) (audit.Query, error) {
	return a.f.Query(now, auditfilter.Flag)
}

// auditList prints the records the filters select.
func auditList(e *env, args []string) int {
	fs, c := newFlags(e, "audit")
	var f auditFilters
	f.register(fs)
	asJSON := fs.Bool("json", false, "print the records as JSON lines, as stored")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return e.errorf("audit: unexpected argument %q (filters are flags; to check the chain: reconciler audit verify)", vocab.Clip(fs.Arg(0)))
	}
	q, err := f.query(e.clock.Now())
	if err != nil {
		return e.errorf("audit: %v", err)
	}
	pol, code := loadPolicy(e, c)
	if pol == nil {
		return code
	}
	path := pol.Audit.Path
	w := bufio.NewWriter(e.stdout)
	var out recordWriter = &jsonWriter{w: w}
	if !*asJSON {
		out = newTableWriter(w)
	}
	n := 0
	err = audit.Filter(path, q, func(r audit.Record) error { n++; return out.write(r) })
	ferr := errors.Join(out.flush(), w.Flush())
	switch {
	case journalMissing(err):
		return e.errorf("audit: journal %s does not exist (nothing recorded yet, or check audit.path in the policy)", path)
	case err != nil:
		return e.errorf("audit: %v", err)
	case ferr != nil:
		return e.errorf("audit: write: %v", ferr)
	}
	if n == 0 && !*asJSON {
		fmt.Fprintf(e.stderr, "no records in %s match\n", path)
	}
	return exitOK
}

// parseFlags parses args; done is true when the command must return code
// (help was asked, or a flag was wrong: the flag package printed why).
func parseFlags(fs *flag.FlagSet, args []string) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, true
		}
		return exitError, true
	}
	return exitOK, false
}

// loadPolicy loads the policy for commands that need only its settings,
// not its site; on failure it has printed why and returns the exit code.
func loadPolicy(e *env, c *common) (*policy.Policy, int) {
	path, err := c.absPolicy()
	if err != nil {
		return nil, e.errorf("%v", err)
	}
	pol, err := policy.Load(path)
	if err != nil {
		return nil, printPolicyError(e, err)
	}
	return pol, exitOK
}

// recordWriter prints records one by one.
type recordWriter interface {
	write(audit.Record) error
	flush() error
}

// jsonWriter prints each record as its journal line: json.Marshal of a
// record is its canonical encoding with the hash (see package audit).
type jsonWriter struct{ w io.Writer }

func (j *jsonWriter) write(r audit.Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = j.w.Write(append(b, '\n'))
	return err
}

func (j *jsonWriter) flush() error { return nil }

// tableWriter prints an aligned table for people.
type tableWriter struct {
	tw     *tabwriter.Writer
	header bool
}

func newTableWriter(w io.Writer) *tableWriter {
	return &tableWriter{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

func (t *tableWriter) write(r audit.Record) error {
	if !t.header {
		t.header = true
		if _, err := fmt.Fprintln(t.tw, "TIME\tSEQ\tTYPE\tOUTCOME\tKIND\tTARGET\tRULE/ERROR\tREASON"); err != nil {
			return err
		}
	}
	cols := []string{stamp(r.Time), fmt.Sprint(r.Seq), string(r.Type), string(r.Outcome), r.Kind,
		recordTarget(r), ruleOrError(r), recordNote(r)}
	for i, s := range cols {
		cols[i] = cell(s)
	}
	_, err := fmt.Fprintln(t.tw, strings.Join(cols, "\t"))
	return err
}

func (t *tableWriter) flush() error { return t.tw.Flush() }

// stamp formats a time for people: RFC 3339, UTC, seconds.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// recordTarget is the action's target as action ids spell it: PS001,
// PS001/{guid}, NS or NS/{guid}; empty for records of no action.
func recordTarget(r audit.Record) string {
	if r.Kind == "" {
		return ""
	}
	s := r.Server
	if s == "" {
		s = "NS"
	}
	if r.Package != "" {
		s += "/" + r.Package
	}
	return s
}

func ruleOrError(r audit.Record) string {
	switch {
	case r.Rule != "" && r.Error != "":
		return r.Rule + ": " + r.Error
	case r.Error != "":
		return r.Error
	}
	return r.Rule
}

// recordNote is the REASON column: the first reason's message, or what
// the detail of an approval or breaker record says, or the detail's
// message member (recovered, indeterminate), or the detail itself.
func recordNote(r audit.Record) string {
	if len(r.Reasons) > 0 {
		return r.Reasons[0].Message
	}
	switch r.Type {
	case audit.TypeApproval:
		var d controller.ApprovalDetail
		if json.Unmarshal(r.Detail, &d) == nil {
			return fmt.Sprintf("by %s: %s", r.Actor.User, strings.Join(d.Actions, ", "))
		}
	case audit.TypeBreaker:
		var d controller.BreakerDetail
		if json.Unmarshal(r.Detail, &d) == nil {
			return d.State + ": " + d.Reason
		}
	case audit.TypeNotification:
		var d notify.Delivery
		if json.Unmarshal(r.Detail, &d) == nil {
			return fmt.Sprintf("%s %s %s (%s), attempt %d", d.Receiver, d.Outcome, d.Kind, d.Status, d.Attempt)
		}
	case audit.TypeAuthFailed:
		var d controller.AuthDetail
		if json.Unmarshal(r.Detail, &d) == nil {
			return fmt.Sprintf("%s user %s refused (secret from %s): no call uses it until it changes or the policy is reloaded",
				d.Source, d.User, d.From)
		}
	}
	var d struct{ Message string }
	if json.Unmarshal(r.Detail, &d) == nil && d.Message != "" {
		return d.Message
	}
	return string(r.Detail)
}

// cell makes journal text safe for one table cell: no control characters
// (tabs and newlines would break the table, escapes would drive the
// terminal), "-" when empty, and at most 120 characters.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return '?'
		}
		return r
	}, s)
	const max = 120
	if rs := []rune(s); len(rs) > max {
		s = string(rs[:max-1]) + "…"
	}
	return s
}

// journalMissing reports whether err means the journal file does not exist.
func journalMissing(err error) bool { return errors.Is(err, os.ErrNotExist) }
