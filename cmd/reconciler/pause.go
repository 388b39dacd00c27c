package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/inbox"
	"github.com/itms-tools/reconciler/vocab"
)

func init() {
	register(command{name: "pause", summary: "hold enforcement for one server or all: pause [SERVER] [--reason TEXT]", run: runPause})
	register(command{name: "resume", summary: "release a pause: resume [SERVER]", run: runResume})
}

// who names a pause's scope.
func who(h vocab.Host) string {
	if h == "" {
		return "every server"
	}
	return string(h)
}

func runPause(_ context.Context, e *env, args []string) int {
	v, code, done := parseVerb(e, "pause", false, true, pauseUsage, args)
	if done {
		return code
	}
	pol, l, code := journalLadder(e, "pause", v.c)
	if pol == nil {
		return code
	}
	holds := l.Holds()
	h := v.server
	if h != "" {
		h = spelled(l.Steps(), spelled(holds, h)) // the spelling the journal knows
	}
	if p, ok := holds[h]; ok {
		fmt.Fprintf(e.stderr, "reconciler: pause: %s is already paused: %s; nothing recorded\n", who(h), controller.PauseReason(h, p))
		return exitError
	}
	req := inbox.Request{Type: audit.TypePause, Server: string(h), Reason: v.reason, Actor: audit.CurrentActor(), At: e.clock.Now()}
	return sendVerb(e, v.c, pol.Audit.Path, req, "pause of "+who(h),
		"no action is planned for "+who(h)+" until `reconciler resume"+suffix(h)+"`")
}

func pauseUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "usage: reconciler pause [SERVER] [--reason TEXT]")
	fmt.Fprintln(w, "\nHolds enforcement for SERVER, or for every server (and the NS) without one: the plan")
	fmt.Fprintln(w, "shows its actions held, with who paused it, since when and why, until `reconciler")
	fmt.Fprintln(w, "resume [SERVER]`. A policy reload does not release it. Recorded in the journal with who;")
	fmt.Fprintln(w, "queued for the running daemon's next pass when a daemon holds the journal.")
	fmt.Fprintln(w, "Exit 0 recorded or queued; 1 on error, or when it is already paused (nothing recorded).")
	fmt.Fprintln(w, "\nflags:")
	fs.PrintDefaults()
}

func runResume(_ context.Context, e *env, args []string) int {
	v, code, done := parseVerb(e, "resume", false, false, resumeUsage, args)
	if done {
		return code
	}
	pol, l, code := journalLadder(e, "resume", v.c)
	if pol == nil {
		return code
	}
	holds := l.Holds()
	h := spelled(holds, v.server)
	if _, ok := holds[h]; !ok {
		if h == "" {
			fmt.Fprintln(e.stderr, "reconciler: resume: no pause of every server is in force; nothing recorded")
		} else {
			fmt.Fprintf(e.stderr, "reconciler: resume: %s is not paused; nothing recorded\n", h)
		}
		var one []vocab.Host
		for _, k := range slices.Sorted(maps.Keys(holds)) {
			if k != "" {
				one = append(one, k)
			}
		}
		if len(one) > 0 {
			fmt.Fprintf(e.stderr, "paused one by one: %s (resume each by name)\n", joinHosts(one))
		}
		if _, all := holds[""]; all {
			fmt.Fprintln(e.stderr, "every server is paused: `reconciler resume` without SERVER releases that")
		}
		return exitError
	}
	req := inbox.Request{Type: audit.TypeResume, Server: string(h), Actor: audit.CurrentActor(), At: e.clock.Now()}
	return sendVerb(e, v.c, pol.Audit.Path, req, "resume of "+who(h), "enforcement of "+who(h)+" is released")
}

func resumeUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "usage: reconciler resume [SERVER]")
	fmt.Fprintln(w, "\nReleases `reconciler pause SERVER`, or without SERVER the pause of every server (a")
	fmt.Fprintln(w, "server paused by name stays paused until resumed by name). Recorded in the journal with")
	fmt.Fprintln(w, "who; queued for the running daemon's next pass when a daemon holds the journal.")
	fmt.Fprintln(w, "Exit 0 recorded or queued; 1 on error, or when it is not paused (nothing recorded).")
	fmt.Fprintln(w, "\nflags:")
	fs.PrintDefaults()
}

// suffix is " SERVER", or "" for every server.
func suffix(h vocab.Host) string {
	if h == "" {
		return ""
	}
	return " " + string(h)
}
