//go:build unix

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
)

// journalOf builds records from short lines "type action [outcome]"; the
// action "delete_ps_status:PS001/p1" gives kind, server and package. Each
// record is one minute after the previous one.
func journalOf(lines ...string) []audit.Record {
	t0 := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	var recs []audit.Record
	for i, l := range lines {
		f := strings.Fields(l)
		r := audit.Record{Seq: int64(i + 1), Time: t0.Add(time.Duration(i) * time.Minute), Type: audit.Type(f[0]), Pass: "p"}
		if len(f) > 1 {
			r.Action = f[1]
			kind, target, _ := strings.Cut(f[1], ":")
			r.Kind = kind
			r.Server, r.Package, _ = strings.Cut(target, "/")
		}
		if len(f) > 2 {
			r.Outcome = audit.Outcome(f[2])
		}
		recs = append(recs, r)
	}
	return recs
}

func wantProblems(t *testing.T, name string, got []string, want int) {
	t.Helper()
	if len(got) != want {
		t.Errorf("%s: %d problems %q; want %d", name, len(got), got, want)
	}
}

func TestCheckResolved(t *testing.T) {
	a := "delete_ps_status:PS001/p1"
	wantProblems(t, "intent and outcome", checkResolved(journalOf("intent "+a, "outcome "+a+" applied")), 0)
	wantProblems(t, "intent and indeterminate", checkResolved(journalOf("intent "+a, "indeterminate "+a+" indeterminate")), 0)
	wantProblems(t, "deferred alone", checkResolved(journalOf("outcome "+a+" deferred")), 0)
	wantProblems(t, "open intent", checkResolved(journalOf("pass_start", "intent "+a, "pass_end")), 1)
	wantProblems(t, "applied without intent", checkResolved(journalOf("outcome "+a+" applied")), 1)
	wantProblems(t, "two outcomes", checkResolved(journalOf("intent "+a, "outcome "+a+" applied", "outcome "+a+" applied")), 1)
	wantProblems(t, "deferred after intent", checkResolved(journalOf("intent "+a, "outcome "+a+" deferred", "outcome "+a+" applied")), 1)
	wantProblems(t, "indeterminate without intent", checkResolved(journalOf("indeterminate "+a+" indeterminate")), 1)
	wantProblems(t, "two intents", checkResolved(journalOf("intent "+a, "intent "+a, "outcome "+a+" applied")), 2)
}

func TestCheckDeletedOnce(t *testing.T) {
	a := "delete_ps_snapshot:PS001/p1"
	again := []string{"intent " + a, "outcome " + a + " applied", "intent " + a, "outcome " + a + " applied"}
	wantProblems(t, "applied twice", checkDeletedOnce(journalOf(again...), false), 1)
	wantProblems(t, "other file", checkDeletedOnce(journalOf("intent "+a, "outcome "+a+" applied",
		"intent delete_ps_snapshot:PS001/p2", "intent delete_ps_status:PS001/p1", "intent delete_ps_snapshot:PS002/p1"), false), 0)
	wantProblems(t, "after failure", checkDeletedOnce(journalOf("intent "+a, "outcome "+a+" failed", "intent "+a), false), 0)
	indet := []string{"intent " + a, "indeterminate " + a + " indeterminate", "intent " + a}
	wantProblems(t, "after indeterminate that did not run", checkDeletedOnce(journalOf(indet...), false), 0)
	wantProblems(t, "after indeterminate that ran", checkDeletedOnce(journalOf(indet...), true), 1)
	wantProblems(t, "not a deletion", checkDeletedOnce(journalOf("intent resend_status:PS001", "outcome resend_status:PS001 applied",
		"intent resend_status:PS001"), false), 0)
}

func TestCheckLimits(t *testing.T) {
	a, b := "delete_ns_snapshot:/p1", "delete_ns_snapshot:/p2"
	recs := journalOf("intent "+a, "outcome "+a+" applied", "intent "+b, "indeterminate "+b+" indeterminate", "intent "+b)
	// intents at minutes 0, 2 and 4
	wantProblems(t, "3 in 5m, max 2/1h", checkLimits(recs, []limit{{Kind: "delete_ns_snapshot", Max: 2, Per: time.Hour}}), 1)
	wantProblems(t, "3 in 5m, max 3/1h", checkLimits(recs, []limit{{Kind: "delete_ns_snapshot", Max: 3, Per: time.Hour}}), 0)
	wantProblems(t, "max 2/4m: minute 0 has left the window at minute 4", checkLimits(recs, []limit{{Kind: "delete_ns_snapshot", Max: 2, Per: 4 * time.Minute}}), 0)
	wantProblems(t, "max 2/5m", checkLimits(recs, []limit{{Kind: "delete_ns_snapshot", Max: 2, Per: 5 * time.Minute}}), 1)
	wantProblems(t, "other kind", checkLimits(recs, []limit{{Kind: "delete_ps_snapshot", Max: 0, Per: time.Hour}}), 0)
}

func TestCheckRecovered(t *testing.T) {
	torn := journalOf("startup", "pass_start", "recovered", "startup")
	torn[2].Detail = audit.JSON(map[string]int{"after_seq": 2, "cut_bytes": 120})
	wantProblems(t, "torn and recovered", checkRecovered(torn, true, 2), 0)
	wantProblems(t, "recovered though not torn", checkRecovered(torn, false, 2), 1)
	wantProblems(t, "recovered at the wrong place", checkRecovered(torn, true, 1), 1)
	wantProblems(t, "torn, not recovered", checkRecovered(journalOf("startup", "startup"), true, 1), 1)
	wantProblems(t, "nothing torn", checkRecovered(journalOf("startup", "startup"), false, 1), 0)
	torn[2].Detail = audit.JSON(map[string]any{"after_seq": 2, "cut_bytes": 0, "added_newline": true})
	wantProblems(t, "newline added, nothing cut", checkRecovered(torn, true, 2), 1)
}

func TestOpenIntents(t *testing.T) {
	a, b := "update_configuration:PS001", "resend_status:PS001"
	if n := openIntents(journalOf("intent "+a, "outcome "+a+" applied", "intent "+b)); n != 1 {
		t.Errorf("openIntents = %d; want 1", n)
	}
}

func TestCheckLimitsResetCycle(t *testing.T) {
	r1, r2 := "set_credential_mode:NS:anonymous#1", "set_credential_mode:NS:acc#2"
	recs := journalOf("intent "+r1, "outcome "+r1+" applied", "intent "+r2, "outcome "+r2+" failed", "intent "+r2)
	for i := range recs {
		recs[i].Kind, recs[i].Pass = "set_credential_mode", "p1"
		if i == 4 {
			recs[i].Pass = "p2" // the restore, in the pass after the crash
		}
		if strings.Contains(recs[i].Action, "acc") {
			recs[i].Mode = "acc"
		} else {
			recs[i].Mode = "anonymous"
		}
	}
	two := []limit{{Kind: "set_credential_mode", Max: 2, Per: time.Hour}}
	// Every intent counts one; the third, finishing the open cycle, may go over.
	wantProblems(t, "cycle finished over the cap", checkLimits(recs, two), 0)
	if n := len(spends(recs, "set_credential_mode")); n != 3 {
		t.Errorf("%d spends, want 3", n)
	}
	wantProblems(t, "a cycle over the cap", checkLimits(recs[:3], []limit{{Kind: "set_credential_mode", Max: 1, Per: time.Hour}}), 1)
}
