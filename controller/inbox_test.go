package controller

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/inbox"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/vocab"
)

// TestIngestAppliesOperatorsRequests: the controller's thin call records
// each inbox request and folds it into its gates and ladder at once, with
// the file's owner as who.
func TestIngestAppliesOperatorsRequests(t *testing.T) {
	r := newRig(t, scenario(t, `{"name":"s","seed":1,"servers":1,"packages":1,"credential":{"mode":"acc","account":"CORP\\svc-itms-acc"},"duration":"1h"}`),
		"approve = [\"set_credential_mode\"]\n")
	const id = "set_credential_mode:NS:anonymous#1"
	h := vocab.Host("PS001")
	r.ctl.Ladder().Verify(h, guard.Verification{Result: guard.NotEffective, Next: actions.RungStalled, Stalled: "trust broken"}, r.clk.Now())
	journal := r.pol.Audit.Path
	for _, req := range []inbox.Request{
		{Type: audit.TypeApproval, Actions: []string{id}, Actor: audit.Actor{User: "forged"}, At: r.clk.Now()},
		{Type: audit.TypeRetry, Server: string(h), At: r.clk.Now()},
		{Type: audit.TypePause, Server: "PS002", At: r.clk.Now()},
	} {
		if _, err := inbox.Submit(journal, req); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.ctl.Ingest(journal); err != nil {
		t.Fatal(err)
	}
	if !r.ctl.Approvals().Approved(id, r.clk.Now()) {
		t.Error("the approval is not in force")
	}
	if st := r.ctl.Ladder().Stalled(); len(st) != 0 {
		t.Errorf("still stalled after the retry: %v", st)
	}
	me := audit.CurrentActor().User
	if p := r.ctl.Ladder().Holds(); p["PS002"].By != me {
		t.Errorf("paused %v, want PS002 by the file's owner %q", p, me)
	}
	for _, rec := range r.records() {
		if rec.Type == audit.TypeApproval && rec.Actor.User != me {
			t.Errorf("approval recorded as by %q, want the file's owner %q", rec.Actor.User, me)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(inbox.Dir(journal), "*.json")); len(left) != 0 {
		t.Errorf("requests left in the inbox: %v", left)
	}
	if _, err := os.Lstat(inbox.RefusedDir(journal)); err == nil {
		t.Error("a trusted request was refused")
	}
}

// ingest takes the inbox's requests, as a pass of the daemon (which
// knows its journal's path) does first.
func ingest(t *testing.T, r *rig) {
	t.Helper()
	if err := r.ctl.Ingest(r.pol.Audit.Path); err != nil {
		t.Fatal(err)
	}
}

// stalledRig is a rig whose PS001 has a broken trust and has stalled.
func stalledRig(t *testing.T) *rig {
	t.Helper()
	r := newRig(t, scenario(t, `{"name":"s","seed":1,"servers":2,"packages":2,"credential":{"mode":"acc","account":"CORP\\svc-itms-acc"},`+
		`"duration":"168h","faults":[{"kind":"trust_broken","servers":["PS001"]}]}`), "")
	for range 200 {
		r.pass()
		if r.ctl.Ladder().Stalled()["PS001"] != "" {
			return r
		}
		r.clk.Advance(10 * time.Minute)
	}
	t.Fatal("PS001 never stalled")
	return nil
}

// actionsOn counts the plan's actions on server h.
func actionsOn(res PassResult, h vocab.Host) int {
	n := 0
	for _, a := range res.Plan.Actions {
		if a.Target.Server == h {
			n++
		}
	}
	return n
}

// noteOn returns the text of the plan's notes on server h.
func noteOn(res PassResult, h vocab.Host) string {
	var out []string
	for _, n := range res.Plan.Notes {
		if n.Target.Server == h {
			out = append(out, n.Message)
		}
	}
	return strings.Join(out, "; ")
}

// TestReloadDoesNotUnstallRetryDoes: a policy reload leaves a stalled
// server stalled (no actions on it); an admin's retry, through the inbox,
// starts its ladder again and the next pass acts on it.
func TestReloadDoesNotUnstallRetryDoes(t *testing.T) {
	r := stalledRig(t)
	const h = vocab.Host("PS001")
	r.ctl.Reload(parsePolicy(t, r.dir, "# reloaded\n"))
	r.clk.Advance(time.Hour)
	if res := r.pass(); actionsOn(res, h) != 0 || r.ctl.Ladder().Stalled()[h] == "" {
		t.Fatalf("after a reload: %d actions on %s, stalled %q; want none and still stalled", actionsOn(res, h), h, r.ctl.Ladder().Stalled()[h])
	}
	if _, err := inbox.Submit(r.pol.Audit.Path, inbox.Request{Type: audit.TypeRetry, Server: string(h), Reason: "secure channel repaired", At: r.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(time.Minute)
	ingest(t, r)
	res := r.pass()
	if st := r.ctl.Ladder().Stalled()[h]; st != "" && actionsOn(res, h) == 0 {
		t.Fatalf("after a retry: %d actions on %s, stalled %q; want the ladder started again", actionsOn(res, h), h, st)
	}
	if actionsOn(res, h) == 0 {
		t.Fatalf("after a retry the pass plans nothing for %s: %s", h, noteOn(res, h))
	}
}

// TestPauseHoldsResumeReleases: a pause holds a server's actions, the
// plan saying who paused it and why; a resume releases them.
func TestPauseHoldsResumeReleases(t *testing.T) {
	r := newRig(t, scenario(t, `{"name":"s","seed":1,"servers":2,"packages":2,"credential":{"mode":"acc","account":"CORP\\svc-itms-acc"},`+
		`"duration":"24h","faults":[{"kind":"status_lost","servers":["PS001"]}]}`), "")
	const h = vocab.Host("PS001")
	journal := r.pol.Audit.Path
	if _, err := inbox.Submit(journal, inbox.Request{Type: audit.TypePause, Server: string(h), Reason: "disk swap", At: r.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	ingest(t, r)
	res := r.pass()
	me := audit.CurrentActor().User
	if n := actionsOn(res, h); n != 0 {
		t.Fatalf("paused %s got %d actions", h, n)
	}
	if note := noteOn(res, h); !strings.Contains(note, "paused by "+me) || !strings.Contains(note, "disk swap") || !strings.Contains(note, "reconciler resume PS001") {
		t.Fatalf("the plan's note on %s does not say who, why and how to resume: %q", h, note)
	}
	if _, err := inbox.Submit(journal, inbox.Request{Type: audit.TypeResume, Server: string(h), At: r.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(time.Minute)
	ingest(t, r)
	if res := r.pass(); actionsOn(res, h) == 0 {
		t.Fatalf("after resume no actions on %s: %s", h, noteOn(res, h))
	}
}

// TestNotifyStalledAndEscalated: the receivers hear each climb of the
// ladder once, the stall once, and the stall's end at a retry.
func TestNotifyStalledAndEscalated(t *testing.T) {
	r := newRig(t, scenario(t, `{"name":"s","seed":1,"servers":2,"packages":2,"credential":{"mode":"acc","account":"CORP\\svc-itms-acc"},`+
		`"duration":"168h","faults":[{"kind":"trust_broken","servers":["PS001"]}]}`), "")
	var got []notify.Event
	r.ctl.notifyFn = func(ev notify.Event) {
		if ev.Kind == notify.Stalled || ev.Kind == notify.Escalated || ev.Subject.Server != "" {
			got = append(got, ev)
		}
	}
	for range 200 {
		r.pass()
		if r.ctl.Ladder().Stalled()["PS001"] != "" {
			break
		}
		r.clk.Advance(10 * time.Minute)
	}
	for range 3 { // a lasting stall: the controller says nothing more
		r.clk.Advance(10 * time.Minute)
		r.pass()
	}
	if _, err := inbox.Submit(r.pol.Audit.Path, inbox.Request{Type: audit.TypeRetry, Server: "PS001", At: r.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	ingest(t, r)
	var seen []string
	for _, ev := range got {
		s := string(ev.Kind) + " " + ev.Subject.Server
		if ev.Kind == notify.Escalated {
			s += " rung " + ev.Details["rung"]
		}
		seen = append(seen, s)
	}
	want := []string{"escalated PS001 rung 1", "stalled PS001", "recovered PS001"}
	if !slices.Equal(seen, want) {
		t.Fatalf("events %q, want %q", seen, want)
	}
	if !strings.Contains(got[1].Details["why"], "Test-ComputerSecureChannel") || got[2].Key != got[1].Key || !got[2].Resolved {
		t.Errorf("stall %+v, then %+v: want the hint, and the retry resolving it", got[1], got[2])
	}
}

// TestPauseMatchesAnySpelling: host names compare without case, so a
// pause of "ps001" holds the server the CMDB calls PS001.
func TestPauseMatchesAnySpelling(t *testing.T) {
	r := newRig(t, scenario(t, `{"name":"s","seed":1,"servers":2,"packages":2,"credential":{"mode":"acc","account":"CORP\\svc-itms-acc"},`+
		`"duration":"24h","faults":[{"kind":"status_lost","servers":["PS001"]}]}`), "")
	if _, err := inbox.Submit(r.pol.Audit.Path, inbox.Request{Type: audit.TypePause, Server: "ps001", At: r.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	ingest(t, r)
	if res := r.pass(); actionsOn(res, "PS001") != 0 || !strings.Contains(noteOn(res, "PS001"), "paused by") {
		t.Fatalf("pause of ps001: %d actions on PS001, notes %q", actionsOn(res, "PS001"), noteOn(res, "PS001"))
	}
}

// TestNotifyUnstalledByNewEvidence: an intent planned from new evidence
// on a stalled server starts its ladder again, and resolves the stall.
func TestNotifyUnstalledByNewEvidence(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "")
	var got []notify.Event
	r.ctl.notifyFn = func(ev notify.Event) { got = append(got, ev) }
	const h = vocab.Host("PS001")
	r.ctl.Ladder().Verify(h, guard.Verification{Result: guard.NotEffective, Next: actions.RungStalled, Stalled: "exhausted", Evidence: "d1"}, r.clk.Now())
	intent := func(evidence string) audit.Record {
		return audit.Record{Type: audit.TypeIntent, Server: string(h), Detail: audit.JSON(actions.LadderUse{Evidence: evidence})}
	}
	r.ctl.foldLadder(intent("d1")) // the same evidence: still stalled, nothing said
	if len(got) != 0 || !r.ctl.Ladder().IsStalled(h) {
		t.Fatalf("same evidence: events %+v, stalled %v", got, r.ctl.Ladder().IsStalled(h))
	}
	r.ctl.foldLadder(intent("d2"))
	if r.ctl.Ladder().IsStalled(h) || len(got) != 1 || !got[0].Resolved || got[0].Key != notify.StalledEvent(r.clk.Now(), "PS001", "", "").Key {
		t.Fatalf("new evidence: events %+v, stalled %v; want the stall resolved", got, r.ctl.Ladder().IsStalled(h))
	}
}
