package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/itms-tools/reconciler/auditfilter"
	"github.com/itms-tools/reconciler/auditview"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/suggest"
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
	return e.errorf("audit: unknown verb %q%s (want filters, verify or export)", vocab.Clip(verb), suggest.Hint(verb, knownVerbs["audit"]))
}

// auditList prints the records the filters select: a table for people
// (NS actions with the servers they served, outcomes with their intent's
// reasons, cut to the terminal's width) or the JSON lines as stored.
func auditList(e *env, args []string) int {
	fs, c := newFlags(e, "audit")
	var f auditfilter.Filters
	auditview.Register(fs, &f)
	asJSON := fs.Bool("json", false, "print the records as JSON lines, as stored")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return e.errorf("audit: unexpected argument %q (filters are flags; to check the chain: reconciler audit verify)", vocab.Clip(fs.Arg(0)))
	}
	q, err := f.Query(e.clock.Now(), auditfilter.Flag)
	if err != nil {
		return e.errorf("audit: %v", err)
	}
	pol, code := loadPolicy(e, c)
	if pol == nil {
		return code
	}
	path := pol.Audit.Path
	w := bufio.NewWriter(e.stdout)
	tab := auditview.NewTable(w, auditview.TableOptions{Loc: f.Location(), Width: e.width(e.stdout)})
	n := 0
	err = auditview.Select(path, q, func(r auditview.Row) error {
		n++
		if *asJSON {
			return writeJSONLine(w, r.Record)
		}
		tab.Add(r)
		return nil
	})
	ferr := errors.Join(tab.Flush(), w.Flush())
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

// writeJSONLine prints a record as its journal line: json.Marshal of a
// record is its canonical encoding with the hash (see package audit).
func writeJSONLine(w io.Writer, r any) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
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

// stamp formats a time for people: RFC 3339, UTC, seconds.
func stamp(t time.Time) string { return auditview.Stamp(t, time.UTC) }

// cell makes journal text safe for one line: control characters become
// "?", and an empty text "-".
func cell(s string) string { return auditview.Clean(s) }

// journalMissing reports whether err means the journal file does not exist.
func journalMissing(err error) bool { return errors.Is(err, os.ErrNotExist) }
