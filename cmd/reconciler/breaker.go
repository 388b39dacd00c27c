package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/inbox"
	"github.com/itms-tools/reconciler/vocab"
)

func init() {
	register(command{name: "breaker", summary: "circuit breaker: breaker status, breaker reset [--reason TEXT]", run: runBreaker})
}

func runBreaker(_ context.Context, e *env, args []string) int {
	verb, rest := splitVerb(args)
	switch verb {
	case "reset":
		return breakerReset(e, rest)
	case "status":
		return breakerStatus(e, rest)
	}
	return noVerb(e, "breaker", verb, rest, breakerUsage)
}

func breakerUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: reconciler breaker status | reset [--reason TEXT]")
	fmt.Fprintln(w, "\nstatus shows the circuit breaker as the journal leaves it; reset closes it")
	fmt.Fprintln(w, "(at the running daemon's next pass, or at the next start).")
}

// breakerReset records a reset: in the journal, or in the inbox of the
// daemon that holds it.
func breakerReset(e *env, args []string) int {
	fs, c := newFlags(e, "breaker reset")
	reason := fs.String("reason", "", "why you reset it (recorded in the journal)")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return e.errorf("breaker reset: unexpected argument %q", vocab.Clip(fs.Arg(0)))
	}
	log, err := c.logger(e)
	if err != nil {
		return e.errorf("%v", err)
	}
	pol, code := loadPolicy(e, c)
	if pol == nil {
		return code
	}
	req := inbox.Request{Type: audit.TypeBreaker, Reason: *reason, Actor: audit.CurrentActor(), At: e.clock.Now()}
	seq, queued, err := deliver(e, log, pol.Audit.Path, req)
	if err != nil {
		return e.errorf("breaker reset: %v", err)
	}
	if queued != "" {
		fmt.Fprintf(e.stdout, "breaker reset queued for the running daemon: %s (recorded at its next pass)\n", queued)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "breaker reset (journal seq %d): closed from the next start on\n", seq)
	return exitOK
}

// breakerStatus prints the breaker's state from the last breaker record,
// and any reset still waiting in the inbox.
func breakerStatus(e *env, args []string) int {
	fs, c := newFlags(e, "breaker status")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return e.errorf("breaker status: unexpected argument %q", vocab.Clip(fs.Arg(0)))
	}
	pol, code := loadPolicy(e, c)
	if pol == nil {
		return code
	}
	path := pol.Audit.Path
	st, err := lastBreakerState(path)
	switch {
	case journalMissing(err):
		fmt.Fprintf(e.stdout, "breaker closed (no journal at %s yet)\n", path)
		return exitOK
	case err != nil:
		return e.errorf("breaker status: %v", err)
	case st.Open:
		fmt.Fprintf(e.stdout, "breaker OPEN since %s: %s\n", stamp(st.Since), cell(st.Reason))
	default:
		fmt.Fprintln(e.stdout, "breaker closed")
	}
	if files := queuedResets(path); len(files) > 0 {
		fmt.Fprintf(e.stdout, "reset queued for the running daemon: %s\n", strings.Join(files, ", "))
	}
	return exitOK
}

// lastBreakerState folds the journal into a breaker as controller.Restore
// does (guard.Breaker.Replay): breaker records, and the state segment
// records carry.
func lastBreakerState(path string) (guard.BreakerState, error) {
	b := guard.NewBreaker(0)
	err := audit.ReadAll(path, func(r audit.Record) error {
		b.Replay(r)
		return nil
	})
	return b.State(), err
}

// queuedResets lists the breaker requests waiting in the journal's inbox
// that the daemon will take.
func queuedResets(path string) []string {
	var out []string
	for _, q := range inbox.Pending(path, audit.TypeBreaker) {
		out = append(out, q.File)
	}
	return out
}
