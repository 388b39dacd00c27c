package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/vocab"
)

func init() {
	register(command{name: "run", summary: "reconcile: as a daemon, or one pass with --once", run: runReconcile})
}

func runReconcile(ctx context.Context, e *env, args []string) int {
	fs, c := newFlags(e, "run")
	once := fs.Bool("once", false, "run one pass (observe, plan, apply, verify) and exit")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	var hup chan os.Signal
	if !*once {
		// Take SIGHUP before the slow start (opening the site), so that a
		// reload sent meanwhile is not the default action: exit.
		hup = make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
	}
	s, code := open(ctx, e, c)
	if s == nil {
		return code
	}
	defer s.close()
	if *once {
		return runOnce(ctx, s)
	}
	return runDaemon(ctx, s, hup)
}

// daemonHint says what to run beside a daemon that holds the site.
const daemonHint = "While a daemon runs, `reconciler plan` shows what its next pass would do, and `reconciler status` what it sees;\n" +
	"`reconciler approve` and `reconciler breaker reset` reach it through its inbox."

// runOnce runs one pass as the leader, then re-reads the CMDB for the
// servers it touched and reports what is still not Ready. It takes the
// leader lock before it opens the journal: a process that does not lead
// writes nothing.
func runOnce(ctx context.Context, s *session) int {
	e := s.e
	lead, err := s.takeLead(ctx)
	if err != nil {
		return e.errorf("leader lock: %v: nothing recorded, nothing applied", err)
	}
	if !lead {
		return e.errorf("not the leader: another reconciler (a running daemon?) holds %s; nothing recorded, nothing applied.\n"+
			"%s", s.site.Lock, daemonHint)
	}
	if s.site.Lock != nil {
		defer s.site.Lock.Release()
	}
	j, err := s.openJournal("run --once")
	if errors.Is(err, audit.ErrInUse) {
		return e.errorf("%v: another reconciler (a running daemon?) holds the journal; nothing recorded, nothing applied.\n%s", err, daemonHint)
	}
	if err != nil {
		return e.errorf("%v", err)
	}
	defer j.Close()
	ctl, err := s.leaderController(j, nil)
	if err != nil {
		return e.errorf("%v", err)
	}
	defer ctl.Close()
	res, err := ctl.ReconcileOnce(ctx)
	printPass(e.stdout, res)
	if err != nil {
		return e.errorf("pass %s: %v", res.ID, err)
	}
	if !res.Leader {
		if h := ctl.JournalHealth(); !h.OK {
			return e.errorf("audit journal cannot be written (%s): nothing applied", h.Error)
		}
		return e.errorf("not the leader (another reconciler holds %s): nothing applied", s.site.Lock)
	}
	if res.Obs.CMDBErr != nil || res.Obs.NSErr != nil {
		return exitError
	}
	touched := res.Exec.Touched(res.Plan)
	if len(touched) == 0 {
		return exitOK
	}
	left, err := ctl.Verify(ctx, touched)
	if err != nil {
		return e.errorf("verify: %v", err)
	}
	printVerify(e.stdout, touched, left)
	return exitOK
}

func printPass(w io.Writer, res controller.PassResult) {
	if res.Obs != nil && res.Obs.CMDBErr != nil {
		fmt.Fprintf(w, "pass %s: CMDB not read, nothing planned: %v\n", res.ID, res.Obs.CMDBErr)
		return
	}
	counts := map[actions.Outcome]int{}
	for _, st := range res.Exec.Steps {
		counts[st.Outcome]++
	}
	fmt.Fprintf(w, "pass %s: plan %s, %s: %d applied, %d deferred, %d skipped, %d failed\n",
		res.ID, res.Plan.ID, vocab.Count(len(res.Plan.Actions), "action"), counts[actions.Applied], counts[actions.Deferred],
		counts[actions.Skipped], counts[actions.Failed])
	for _, a := range res.Plan.Actions {
		st, ok := res.Exec.Steps[a.ID]
		if !ok || st.Outcome == actions.Applied {
			continue
		}
		line := fmt.Sprintf("  %-8s %s", st.Outcome, a.ID)
		if st.Rule() != "" {
			line += " (" + st.Rule() + ")"
		}
		if st.Err != nil {
			line += ": " + st.Err.Error()
		}
		fmt.Fprintln(w, line)
	}
}

func printVerify(w io.Writer, touched []vocab.Host, left map[vocab.Host]map[vocab.Status]int) {
	var still []string
	for _, h := range touched {
		if m := left[h]; len(m) > 0 {
			still = append(still, fmt.Sprintf("%s (%s)", h, statusSummary(m)))
		}
	}
	if len(still) == 0 {
		fmt.Fprintf(w, "verified: every pair of the %s touched is Ready\n", vocab.Count(len(touched), "server"))
		return
	}
	fmt.Fprintf(w, "still not Ready on %d of %s touched: %s\n", len(still), vocab.Count(len(touched), "server"), strings.Join(still, ", "))
}

func statusSummary(m map[vocab.Status]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[vocab.Status(k)], k)
	}
	return strings.Join(parts, ", ")
}
