//go:build unix

package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/crashpoint"
	"github.com/itms-tools/reconciler/guard"
)

// ladderPolicy verifies a second after a resend and backs off a second
// between rungs, so that the ladder climbs in real seconds.
var ladderPolicy = policyOpts{Concurrency: 1, Reconcile: "  verify_after  = \"1s\"\n  backoff_base  = \"1s\"\n  backoff_cap   = \"1s\"\n"}

// TestLadderCrashAfterVerification climbs rungs 0 → 1 → 2 on a server
// whose reports fail until Procedure 2 (testdata/ladder.json) with every
// run of `run --once` armed to die by SIGKILL right after its first
// verification record, before the next rung's intent: each rung is then
// planned by a process that rebuilt the ladder from the journal. No rung
// may be skipped or repeated.
func TestLadderCrashAfterVerification(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := binary(t, "crashtest")
	e := newEstate(t, bin, "ladder.json", ladderPolicy)
	spec := crashpoint.AfterVerification + ":1"
	kills := 0
	for run := 0; ; run++ {
		if run == 12 {
			t.Fatalf("the ladder did not finish in %d runs (%d kills)", run, kills)
		}
		r := e.run(spec, "run", "--once")
		if r.signal == syscall.SIGKILL {
			if !strings.Contains(r.stderr, "crashpoint: SIGKILL at "+spec) {
				t.Fatalf("killed, but not at %s: %s", spec, r)
			}
			kills++
		} else if r.code != 0 {
			t.Fatalf("run %d: %s", run, r)
		} else if planned, _ := lastPass(t, e.journalPath()); planned == 0 {
			break
		}
		time.Sleep(1100 * time.Millisecond) // verify_after, backoff
	}
	rungs, verdicts := ladderRecords(t, readJournal(t, e.journalPath()))
	if want := []actions.Rung{0, 1, 2}; !slices.Equal(rungs, want) {
		t.Errorf("resend_status intents on rungs %v, want %v (none skipped or repeated)", rungs, want)
	}
	want := []string{"not_effective 0→1", "not_effective 1→2", "verified 2→0"}
	if !slices.Equal(verdicts, want) {
		t.Errorf("verifications %q, want %q", verdicts, want)
	}
	if kills != len(want) {
		t.Errorf("%d kills, want one after each of the %d verifications", kills, len(want))
	}
	checkConverged(e)
	t.Logf("%d kills after a verification; rungs %v; verifications %q", kills, rungs, verdicts)
}

// ladderRecords reads the rungs of the resend_status intents and the
// verifications of a journal, in order.
func ladderRecords(t *testing.T, recs []audit.Record) (rungs []actions.Rung, verdicts []string) {
	t.Helper()
	for _, r := range recs {
		switch {
		case r.Type == audit.TypeIntent && r.Kind == string(actions.ResendStatus):
			var u actions.LadderUse
			if err := json.Unmarshal(r.Detail, &u); err != nil || u.Evidence == "" {
				t.Fatalf("resend intent without its ladder use: %s (%v)", r.Detail, err)
			}
			rungs = append(rungs, u.Rung)
		case r.Type == audit.TypeVerification:
			var v guard.Verification
			if err := json.Unmarshal(r.Detail, &v); err != nil {
				t.Fatal(err)
			}
			verdicts = append(verdicts, fmt.Sprintf("%s %d→%d", v.Result, v.Rung, v.Next))
		}
	}
	return rungs, verdicts
}
