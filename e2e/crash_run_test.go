//go:build unix

package e2e

import (
	"strings"
	"syscall"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/crashpoint"
)

const (
	maxRestarts   = 5 // runs after the crash, under crashLimits
	maxRaisedRuns = 3 // runs after the limits were raised
)

// crashAndRecover runs one case and returns how many times it ran the
// binary: the killed run, restarts under crashLimits until the passes stop
// acting, and when that left the site held by a spent budget, more runs
// with the limits raised until it converges.
func crashAndRecover(t *testing.T, bin string, c crashCase, base baseline) int {
	e := newEstate(t, bin, crashScenario, crashPolicy(c.concurrency, crashLimits))
	r := e.run(c.spec(), "run", "--once")
	if !c.wantCrash {
		if r.code != 0 || strings.Contains(r.stderr, "crashpoint:") {
			t.Fatalf("want a run that meets %s fewer than %d times to finish: %s", c.point, c.n, r)
		}
		return 1
	}
	if r.signal != syscall.SIGKILL || !strings.Contains(r.stderr, "crashpoint: SIGKILL at "+c.spec()) {
		t.Fatalf("want the run killed at %s: %s", c.spec(), r)
	}
	crashEnd := int64(len(readJournal(t, e.journalPath())))
	converged, restarts := restartUntilStill(e, maxRestarts)
	checkAfterRestarts(e, converged)
	raisedRuns := 0
	if !converged {
		e.writePolicy(crashPolicy(c.concurrency, raised(crashLimits)))
		if converged, raisedRuns = restartUntilStill(e, maxRaisedRuns); !converged {
			t.Fatalf("no convergence in %d runs after the limits were raised", maxRaisedRuns)
		}
	}
	checkConverged(e)
	recs := readJournal(t, e.journalPath())
	t.Logf("killed after seq %d; %d restarts, %d more with the limits raised; %d records, %d indeterminate, %d recovered",
		crashEnd, restarts, raisedRuns, len(recs), count(recs, audit.TypeIndeterminate), count(recs, audit.TypeRecovered))
	checkJournal(e, c, crashEnd)
	if c.concurrency == 1 {
		checkSite(e, base)
	}
	return 1 + restarts + raisedRuns
}

// restartUntilStill runs `run --once` until a pass plans nothing
// (converged) or applies nothing (held: the next pass would do the same),
// at most max times.
func restartUntilStill(e *estate, max int) (converged bool, runs int) {
	e.t.Helper()
	for runs < max {
		e.mustRun("run", "--once")
		runs++
		planned, applied := lastPass(e.t, e.journalPath())
		if planned == 0 {
			return true, runs
		}
		if applied == 0 {
			return false, runs
		}
	}
	e.t.Fatalf("still acting after %d runs", max)
	return false, runs
}

// checkAfterRestarts: once the passes stop acting under the crash limits,
// the NS holds the policy's credential (the reset cycle never leaves it on
// anonymous, README "How it decides"), no limit was exceeded across the
// restarts, and a site that did not converge is held by a spent budget.
func checkAfterRestarts(e *estate, converged bool) {
	e.t.Helper()
	st := e.status()
	if !st.NS.InSync {
		e.t.Errorf("the NS holds %s, not the policy's credential, once the passes stopped acting; budgets left: %+v",
			st.NS.Credential.Mode, st.Budgets)
	}
	report(e.t, "limits across restarts", checkLimits(readJournal(e.t, e.journalPath()), crashLimits))
	if converged {
		return
	}
	for _, b := range st.Budgets {
		if b.Remaining == 0 {
			return
		}
	}
	e.t.Errorf("passes stopped acting, not converged, with budget left in every limit: %+v", st.Budgets)
}

// checkConverged: nothing left to do, every pair Ready.
func checkConverged(e *estate) {
	e.t.Helper()
	if code := e.planExit(); code != 0 {
		e.t.Errorf("plan --detailed-exitcode = %d after convergence; want 0", code)
	}
	if st := e.status(); st.Totals.NotReady != 0 || !st.NS.InSync {
		e.t.Errorf("status after convergence: %d pairs not Ready, NS in sync %t", st.Totals.NotReady, st.NS.InSync)
	}
}

// checkJournal: the chain verifies; every intent is resolved; no file was
// deleted twice; a torn write was cut and recorded; the intents the crash
// left open, and only they, got indeterminate records.
//
// One action at a time, the crash point tells whether an indeterminate
// action ran (killed after the driver call) or not (killed before it).
// Two at once, the other action may have been anywhere, so only a failed
// or indeterminate deletion may be intended again.
func checkJournal(e *estate, c crashCase, crashEnd int64) {
	e.t.Helper()
	verifyJournal(e.t, e.journalPath())
	recs := readJournal(e.t, e.journalPath())
	report(e.t, "intents", checkResolved(recs))
	ran := c.concurrency == 1 && c.point != crashpoint.BeforeIntent && c.point != crashpoint.AfterIntent
	report(e.t, "deletions", checkDeletedOnce(recs, ran))
	report(e.t, "torn tail", checkRecovered(recs, c.point == crashpoint.MidWrite, crashEnd))
	open, indet := openIntents(recs[:crashEnd]), count(recs, audit.TypeIndeterminate)
	if indet != open {
		e.t.Errorf("%d indeterminate records; the crash left %d intents open", indet, open)
	}
	if open > c.concurrency {
		e.t.Errorf("the crash left %d intents open, with at most %d actions at once", open, c.concurrency)
	}
	want := map[string]int{crashpoint.BeforeIntent: 0, crashpoint.AfterIntent: 1, crashpoint.AfterAction: 1}
	if w, ok := want[c.point]; ok && c.concurrency == 1 && open != w {
		e.t.Errorf("a kill at %s left %d intents open; want %d", c.point, open, w)
	}
}

// checkSite (one action at a time, so that no driver call of the site,
// which lives in the killed process, was cut in half): the site deleted
// each stale file exactly once, as in a clean pass, and touched nothing
// outside the allowed paths.
func checkSite(e *estate, base baseline) {
	e.t.Helper()
	truth := e.readSite()
	for _, k := range []actions.Kind{actions.DeleteNSSnapshot, actions.DeletePSSnapshot, actions.DeletePSStatus} {
		if truth.applied[k] != base.applied[k] {
			e.t.Errorf("the site applied %s %d times; a clean pass does %d", k, truth.applied[k], base.applied[k])
		}
	}
	if truth.unsafe != 0 {
		e.t.Errorf("%d unsafe paths touched", truth.unsafe)
	}
}

// report turns problems into test errors.
func report(t *testing.T, what string, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Errorf("%s: %s", what, p)
	}
}
