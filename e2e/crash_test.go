//go:build unix

package e2e

import (
	"flag"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/crashpoint"
)

var crashAll = flag.Bool("crash.all", false,
	"crash at every occurrence of every point of the first pass, one action at a time and two at once")

// crashLimits are the crash estate's limits: each exactly what a clean
// first pass spends (cleanRun checks it), so that a budget not rebuilt
// from the journal after a restart shows as a limit exceeded, and a budget
// an indeterminate intent spent shows as an action deferred.
var crashLimits = []limit{
	{Kind: "delete_ns_snapshot", Max: 2, Per: time.Hour},
	{Kind: "delete_ps_snapshot", Max: 6, Per: time.Hour},
	{Kind: "delete_ps_status", Max: 8, Per: time.Hour},
	{Kind: "set_credential_mode", Max: 2, Per: 24 * time.Hour},
}

func crashPolicy(concurrency int, limits []limit) policyOpts {
	return policyOpts{Concurrency: concurrency, Limits: limits}
}

// raised is limits ×10: what an admin does to let a deferred action run
// before its window has passed.
func raised(limits []limit) []limit {
	out := slices.Clone(limits)
	for i := range out {
		out[i].Max *= 10
	}
	return out
}

const crashScenario = "crash.json"

// baseline is what a clean first pass on the crash estate does, one
// action at a time.
type baseline struct {
	hits    map[string]int       // hits of each point in the first run
	applied map[actions.Kind]int // the site's count of applied actions
	// first is the ordinal (1-based, among intents) of the first intent of
	// each destructive kind; "reset_round_2" that of the reset cycle's
	// second set_credential_mode, the one that restores the credential.
	first map[string]int
}

// cleanRun runs the crash estate once without a crash: it must converge
// in one pass within the limits. Its journal says how often each point is
// met: one record is one mid_write hit, one intent one hit of
// before_intent, after_intent and after_action, one outcome one
// before_outcome hit.
func cleanRun(t *testing.T, bin string) baseline {
	t.Helper()
	e := newEstate(t, bin, crashScenario, crashPolicy(1, crashLimits))
	e.mustRun("run", "--once")
	recs := readJournal(t, e.journalPath())
	if code := e.planExit(); code != 0 {
		t.Fatalf("a clean pass did not converge under the crash limits (plan exit %d)", code)
	}
	if p := checkLimits(recs, crashLimits); len(p) > 0 {
		t.Fatalf("a clean pass exceeds the crash limits: %v", p)
	}
	in, out := count(recs, audit.TypeIntent), count(recs, audit.TypeOutcome)
	return baseline{
		hits: map[string]int{crashpoint.BeforeIntent: in, crashpoint.AfterIntent: in,
			crashpoint.AfterAction: in, crashpoint.BeforeOutcome: out, crashpoint.MidWrite: len(recs)},
		applied: e.readSite().applied,
		first:   firstIntents(recs),
	}
}

func firstIntents(recs []audit.Record) map[string]int {
	first := map[string]int{}
	n := 0
	for _, r := range recs {
		if r.Type != audit.TypeIntent {
			continue
		}
		n++
		key := r.Kind
		if r.Kind == string(actions.SetCredentialMode) && r.Mode != "anonymous" {
			key = "reset_round_2"
		}
		if _, ok := first[key]; !ok && (actions.Kind(r.Kind).Destructive() || key == "reset_round_2") {
			first[key] = n
		}
	}
	return first
}

// crashCase kills the first run at the n-th hit of point, with
// concurrency actions at once; wantCrash is false for the hit after the
// last, which must let the run finish.
type crashCase struct {
	concurrency int
	point       string
	n           int
	wantCrash   bool
}

func (c crashCase) spec() string { return fmt.Sprintf("%s:%d", c.point, c.n) }
func (c crashCase) name() string { return fmt.Sprintf("c%d/%s", c.concurrency, c.spec()) }

// crashCases lists, one action at a time, every point's first two hits,
// mid_write's first four (the startup, pass_start, first intent and first
// outcome records), and after_intent and after_action at the first action
// of each destructive kind and at the reset cycle's round 2. With
// -crash.all: every hit of every point and the one after the last, one
// action at a time and two at once.
func crashCases(b baseline, all bool) []crashCase {
	if all {
		var cs []crashCase
		for _, conc := range []int{1, 2} {
			for _, p := range crashpoint.Points {
				for n := 1; n <= b.hits[p]+1; n++ {
					cs = append(cs, crashCase{concurrency: conc, point: p, n: n, wantCrash: n <= b.hits[p]})
				}
			}
		}
		return cs
	}
	var cs []crashCase
	add := func(p string, n int) {
		c := crashCase{concurrency: 1, point: p, n: n, wantCrash: true}
		if n >= 1 && n <= b.hits[p] && !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
	}
	for _, p := range crashpoint.Points {
		add(p, 1)
		add(p, 2)
	}
	add(crashpoint.MidWrite, 3)
	add(crashpoint.MidWrite, 4)
	for _, k := range []string{"delete_ns_snapshot", "delete_ps_snapshot", "delete_ps_status", "set_credential_mode", "reset_round_2"} {
		add(crashpoint.AfterIntent, b.first[k])
		add(crashpoint.AfterAction, b.first[k])
	}
	return cs
}

// TestCrashAtEveryStep kills `run --once` with SIGKILL at each point of a
// pass, restarts it until the site converges and checks what the journal
// and the site say happened (crash_run_test.go).
func TestCrashAtEveryStep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := binary(t, "crashtest")
	base := cleanRun(t, bin)
	cases := crashCases(base, *crashAll)
	var runs atomic.Int64
	start := time.Now()
	t.Run("kill", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name(), func(t *testing.T) {
				t.Parallel()
				runs.Add(int64(crashAndRecover(t, bin, c, base)))
			})
		}
	})
	crashes := 0
	for _, c := range cases {
		if c.wantCrash {
			crashes++
		}
	}
	t.Logf("%d kill points tried (hits per point in a clean pass: %v), %d runs of `run --once`, in %s",
		crashes, base.hits, runs.Load(), time.Since(start).Round(time.Millisecond))
}
