package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/itms-tools/reconciler/vocab"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/policy"
)

func init() {
	register(command{name: "audit", summary: "show the audit journal (filters, --json), or check its chain: audit verify", run: runAudit})
}

// runAudit lists records, or with the verb verify checks the chain. Both
// read without the journal's lock, so they work while the daemon runs.
func runAudit(_ context.Context, e *env, args []string) int {
	verb, rest := splitVerb(args)
	switch verb {
	case "":
		return auditList(e, rest)
	case "verify":
		return auditVerify(e, rest)
	}
	return e.errorf("audit: unknown verb %q (want filters, or verify)", verb)
}

// auditFilters are the raw filter flags of `reconciler audit`.
type auditFilters struct {
	since, until, server, kind, outcome, plan, typ, pass string
}

func (f *auditFilters) register(fs *flag.FlagSet) {
	fs.StringVar(&f.since, "since", "", "records at or after this: a duration before now (2h) or an RFC 3339 time")
	fs.StringVar(&f.until, "until", "", "records before this: a duration before now (30m) or an RFC 3339 time")
	fs.StringVar(&f.server, "server", "", "records of this package server (case-insensitive)")
	fs.StringVar(&f.kind, "kind", "", "records of this action kind")
	fs.StringVar(&f.outcome, "outcome", "", "records with this outcome: applied, failed, deferred, skipped, indeterminate")
	fs.StringVar(&f.plan, "plan", "", "records of this plan id")
	fs.StringVar(&f.typ, "type", "", "records of this type: "+typeNames())
	fs.StringVar(&f.pass, "pass", "", "records of this pass id")
}

// query validates the filters and turns them into an audit.Query; errors
// name the flag.
func (f *auditFilters) query(now time.Time) (audit.Query, error) {
	q := audit.Query{Server: f.server, Plan: f.plan, Pass: f.pass, Outcome: f.outcome}
	var err error
	if q.Since, err = parseWhen("since", f.since, now); err != nil {
		return q, err
	}
	if q.Until, err = parseWhen("until", f.until, now); err != nil {
		return q, err
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		return q, fmt.Errorf("--since %s is not before --until %s", stamp(q.Since), stamp(q.Until))
	}
	if f.kind != "" {
		if _, err := actions.ParseKind(f.kind); err != nil {
			return q, fmt.Errorf("--kind: %v", err)
		}
		q.Kind = f.kind
	}
	switch audit.Outcome(f.outcome) {
	case "", audit.Applied, audit.Failed, audit.Deferred, audit.Skipped, audit.Indeterminate:
	default:
		return q, fmt.Errorf("--outcome %q: want applied, failed, deferred, skipped or indeterminate", vocab.Clip(f.outcome))
	}
	if f.typ != "" {
		if !knownType(f.typ) {
			return q, fmt.Errorf("--type %q: want one of %s", vocab.Clip(f.typ), typeNames())
		}
		q.Type = f.typ
	}
	return q, nil
}

// parseWhen reads a point in time: a positive Go duration counted back
// from now, or an RFC 3339 time. Empty means no bound.
func parseWhen(name, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, fmt.Errorf("--%s %q: want a positive duration (how long ago)", name, vocab.Clip(s))
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q: want a duration before now like 2h, or an RFC 3339 time like 2026-03-01T02:00:00Z", name, vocab.Clip(s))
	}
	return t, nil
}

func knownType(s string) bool {
	for _, t := range audit.Types {
		if string(t) == s {
			return true
		}
	}
	return false
}

func typeNames() string {
	names := make([]string, len(audit.Types))
	for i, t := range audit.Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
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

// auditVerify checks the whole chain of the policy's journal.
func auditVerify(e *env, args []string) int {
	fs, c := newFlags(e, "audit verify")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return e.errorf("audit verify: unexpected argument %q (the journal is the policy's audit.path)", vocab.Clip(fs.Arg(0)))
	}
	pol, code := loadPolicy(e, c)
	if pol == nil {
		return code
	}
	path := pol.Audit.Path
	v, err := audit.Verify(path)
	switch {
	case journalMissing(err):
		return e.errorf("audit verify: journal %s does not exist (nothing recorded yet, or check audit.path in the policy)", path)
	case err != nil:
		return e.errorf("audit verify: %v", err)
	case !v.OK():
		fmt.Fprintf(e.stderr, "journal %s: chain broken at seq %d: %s\n", path, v.FirstBad, v.Problem)
		fmt.Fprintf(e.stderr, "%d records before it verified; the daemon refuses this journal until a person inspects it\n", v.Records)
		return exitError
	}
	if v.Records == 0 {
		fmt.Fprintf(e.stdout, "journal %s: 0 records verified (empty)\n", path)
	} else {
		fmt.Fprintf(e.stdout, "journal %s: %d records verified, head %s\n", path, v.Records, v.Head)
	}
	switch {
	case v.Torn > 0:
		fmt.Fprintf(e.stdout, "note: torn last line of %d bytes after seq %d (a write cut short by a crash, or one in progress): not damage; it will be cut at the next open\n", v.Torn, v.Records)
	case v.Problem != "":
		fmt.Fprintf(e.stdout, "note: %s\n", v.Problem)
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
