package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/inbox"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

func init() {
	register(command{name: "retry", summary: "start a stalled server's escalation ladder again: retry SERVER [--reason TEXT]", run: runRetry})
}

// verbArgs is what retry, pause and resume parse: at most one SERVER
// (validated as a host name before anything is read or written) and a
// reason.
type verbArgs struct {
	server vocab.Host
	reason string
	c      *common
}

// parseVerb parses the arguments of an operator's verb; need says SERVER
// is required. done: return code.
func parseVerb(e *env, name string, need, reason bool, usage func(io.Writer, *flag.FlagSet), args []string) (verbArgs, int, bool) {
	fs, c := newFlags(e, name)
	var v verbArgs
	v.c = c
	if reason {
		fs.StringVar(&v.reason, "reason", "", "why (recorded in the journal)")
	}
	fs.Usage = func() { usage(fs.Output(), fs) }
	pos, code, done := parseInterspersedFlags(e, fs, args)
	switch {
	case done:
		return v, code, true
	case len(pos) > 1:
		return v, e.errorf("%s: want at most one SERVER, got %d", name, len(pos)), true
	case len(pos) == 0 && need:
		usage(e.stderr, fs)
		return v, exitError, true
	case len(pos) == 1:
		h, err := vocab.ParseHost(pos[0])
		if err != nil {
			return v, e.errorf("%s: %v", name, err), true
		}
		v.server = h
	}
	return v, exitOK, false
}

// journalLadder loads the policy and the ladder the journal leaves; on
// failure it has printed the problem.
func journalLadder(e *env, name string, c *common) (*policy.Policy, *guard.Ladder, int) {
	pol, code := loadPolicy(e, c)
	if pol == nil {
		return nil, nil, code
	}
	l, err := controller.JournalLadder(pol, e.clock, pol.Audit.Path)
	if err != nil {
		return nil, nil, e.errorf("%s: %v", name, err)
	}
	return pol, l, exitOK
}

// spelled returns the key of m that names h (host names compare without
// case), or h when none does.
func spelled[V any](m map[vocab.Host]V, h vocab.Host) vocab.Host {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k != "" && strings.EqualFold(string(k), string(h)) {
			return k
		}
	}
	return h
}

func runRetry(_ context.Context, e *env, args []string) int {
	v, code, done := parseVerb(e, "retry", true, true, retryUsage, args)
	if done {
		return code
	}
	pol, l, code := journalLadder(e, "retry", v.c)
	if pol == nil {
		return code
	}
	stalled := l.Stalled()
	h := spelled(stalled, v.server)
	if stalled[h] == "" {
		fmt.Fprintf(e.stderr, "reconciler: retry: %s is not stalled; nothing recorded\n", h)
		if names := slices.Sorted(maps.Keys(stalled)); len(names) > 0 {
			fmt.Fprintf(e.stderr, "stalled now: %s\n", joinHosts(names))
		}
		return exitError
	}
	req := inbox.Request{Type: audit.TypeRetry, Server: string(h), Reason: v.reason, Actor: audit.CurrentActor(), At: e.clock.Now()}
	return sendVerb(e, v.c, pol.Audit.Path, req, fmt.Sprintf("retry of %s", h),
		"its ladder starts again at rung 0 (the remedy the evidence points to)")
}

func retryUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "usage: reconciler retry SERVER [--reason TEXT]")
	fmt.Fprintln(w, "\nA stalled server gets no actions until its evidence changes or an admin retries it.")
	fmt.Fprintln(w, "Fix what `reconciler status SERVER` says first (e.g. Test-ComputerSecureChannel -Repair),")
	fmt.Fprintln(w, "then retry: its ladder starts again at rung 0. Recorded in the journal with who; queued")
	fmt.Fprintln(w, "for the running daemon's next pass when a daemon holds the journal.")
	fmt.Fprintln(w, "Exit 0 recorded or queued; 1 on error, or when SERVER is not stalled (nothing recorded).")
	fmt.Fprintln(w, "\nflags:")
	fs.PrintDefaults()
}

// sendVerb delivers req and says where it went: what is done, and
// then (at the daemon's next pass, or at once).
func sendVerb(e *env, c *common, journal string, req inbox.Request, what, then string) int {
	log, err := c.logger(e)
	if err != nil {
		return e.errorf("%v", err)
	}
	seq, queued, err := deliver(e, log, journal, req)
	if err != nil {
		return e.errorf("%s: %v", req.Type, err)
	}
	if queued != "" {
		fmt.Fprintf(e.stdout, "%s queued for the running daemon: %s\n(recorded at its next pass: %s)\n", what, queued, then)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "%s recorded (journal seq %d): %s\n", what, seq, then)
	return exitOK
}

// joinHosts lists host names for a message.
func joinHosts(hs []vocab.Host) string {
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = string(h)
	}
	return strings.Join(s, ", ")
}
