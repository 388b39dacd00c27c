package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/inbox"
	"github.com/itms-tools/reconciler/statusview"
)

const trustStall = "the 1789 trust error persists: repair the computer's secure channel (Test-ComputerSecureChannel -Repair)"

// stallRecord is the verification that stalls server h.
func stallRecord(h string) audit.Record {
	return audit.Record{Type: audit.TypeVerification, Server: h, Detail: audit.JSON(guard.Verification{
		Result: guard.NotEffective, Rung: actions.RungProcedure1, Next: actions.RungStalled, Stalled: trustStall})}
}

// verbJournal writes recs into the journal of a policy in a new folder
// and returns the policy, the journal's path and the clock.
func verbJournal(t *testing.T, recs ...audit.Record) (string, string, *clock.Fake) {
	t.Helper()
	dir := t.TempDir()
	pol := simPolicy(t, dir, "")
	path := filepath.Join(dir, "audit.jsonl")
	clk := clock.NewFake(t0)
	if len(recs) > 0 {
		j := openTestJournal(t, path, clk)
		appendAll(t, j, clk, time.Minute, recs...)
		j.Close()
	}
	return pol, path, clk
}

// operatorRecords returns the journal's retry, pause and resume records.
func operatorRecords(t *testing.T, path string) []audit.Record {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	var out []audit.Record
	for _, r := range readJournal(t, path) {
		switch r.Type {
		case audit.TypeRetry, audit.TypePause, audit.TypeResume:
			out = append(out, r)
		}
	}
	return out
}

// TestOperatorVerbs: each verb checks its SERVER and the journal's state
// before it writes; what it writes names the server and who.
func TestOperatorVerbs(t *testing.T) {
	pausePS1 := audit.Record{Type: audit.TypePause, Server: "PS001", Actor: testActor}
	pauseAll := audit.Record{Type: audit.TypePause, Actor: testActor}
	tests := []struct {
		name    string
		journal []audit.Record
		args    []string
		code    int
		out     string // in stdout (code 0) or stderr
		want    string // "TYPE SERVER" of the record written, "" for none
		reason  string
	}{
		{name: "retry without server", args: []string{"retry"}, code: exitError, out: "usage: reconciler retry SERVER"},
		{name: "retry of a path", args: []string{"retry", `..\..\Windows`}, code: exitError, out: "not a host name"},
		{name: "retry of two", args: []string{"retry", "PS001", "PS002"}, code: exitError, out: "want at most one SERVER"},
		{name: "retry not stalled", journal: []audit.Record{stallRecord("PS002")}, args: []string{"retry", "PS001"}, code: exitError,
			out: "PS001 is not stalled; nothing recorded\nstalled now: PS002"},
		{name: "retry no journal", args: []string{"retry", "PS001"}, code: exitError, out: "PS001 is not stalled"},
		{name: "retry stalled", journal: []audit.Record{stallRecord("PS001")}, args: []string{"retry", "PS001", "--reason", "channel repaired"},
			out: "retry of PS001 recorded (journal seq 2)", want: "retry PS001", reason: "channel repaired"},
		{name: "retry spelled otherwise", journal: []audit.Record{stallRecord("PS001")}, args: []string{"retry", "ps001"},
			out: "retry of PS001 recorded", want: "retry PS001"},
		{name: "retry after a retry", journal: []audit.Record{stallRecord("PS001"), {Type: audit.TypeRetry, Server: "PS001"}},
			args: []string{"retry", "PS001"}, code: exitError, out: "not stalled"},
		{name: "pause one", args: []string{"pause", "PS001", "--reason", "disk swap"}, out: "pause of PS001 recorded (journal seq 1)",
			want: "pause PS001", reason: "disk swap"},
		{name: "pause all", args: []string{"pause"}, out: "pause of every server recorded", want: "pause "},
		{name: "pause a device", args: []string{"pause", "NUL"}, code: exitError, out: "Windows device name"},
		{name: "pause again", journal: []audit.Record{pausePS1}, args: []string{"pause", "ps001"}, code: exitError,
			out: "PS001 is already paused: enforcement paused by " + testActor.User},
		{name: "resume one", journal: []audit.Record{pausePS1}, args: []string{"resume", "PS001"}, out: "resume of PS001 recorded", want: "resume PS001"},
		{name: "resume not paused", args: []string{"resume", "PS001"}, code: exitError, out: "PS001 is not paused; nothing recorded"},
		{name: "resume all, one paused", journal: []audit.Record{pausePS1}, args: []string{"resume"}, code: exitError,
			out: "no pause of every server is in force; nothing recorded\npaused one by one: PS001"},
		{name: "resume all", journal: []audit.Record{pauseAll}, args: []string{"resume"}, out: "resume of every server recorded", want: "resume "},
		{name: "resume takes no reason", args: []string{"resume", "--reason", "x"}, code: exitError, out: "flag provided but not defined: -reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, path, clk := verbJournal(t, tt.journal...)
			before := len(operatorRecords(t, path))
			res := runCLI(t, clk, append(tt.args[:1:1], append([]string{"--policy", pol}, tt.args[1:]...)...)...)
			got := res.stderr
			if tt.code == exitOK {
				got = res.stdout
			}
			if res.code != tt.code || !strings.Contains(got, tt.out) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d and %q", res.code, res.stdout, res.stderr, tt.code, tt.out)
			}
			recs := operatorRecords(t, path)[before:]
			if tt.want == "" {
				if len(recs) != 0 {
					t.Fatalf("wrote %+v, want nothing", recs)
				}
				return
			}
			if len(recs) != 1 || string(recs[0].Type)+" "+recs[0].Server != tt.want {
				t.Fatalf("wrote %+v, want one %q", recs, tt.want)
			}
			if me := audit.CurrentActor(); recs[0].Actor.User != me.User {
				t.Errorf("recorded as by %+v, want %s", recs[0].Actor, me.User)
			}
			if tt.reason != "" && !strings.Contains(string(recs[0].Detail), tt.reason) {
				t.Errorf("detail %s does not hold the reason %q", recs[0].Detail, tt.reason)
			}
		})
	}
}

// TestRetryQueued: with a daemon holding the journal, a retry is queued in
// the inbox and the daemon records it as by the file's owner; the server
// is then no longer stalled.
func TestRetryQueued(t *testing.T) {
	pol, path, clk := verbJournal(t)
	j := openTestJournal(t, path, clk) // the running daemon
	appendAll(t, j, clk, time.Minute, stallRecord("PS001"))
	res := runCLI(t, clk, "retry", "--policy", pol, "PS001")
	if res.code != exitOK || !strings.Contains(res.stdout, "retry of PS001 queued for the running daemon") {
		t.Fatalf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	if n := len(operatorRecords(t, path)); n != 0 {
		t.Fatalf("%d records before the daemon ingests", n)
	}
	ctl := daemonController(t, pol, j, clk)
	if st := ctl.Ladder().Stalled(); st["PS001"] == "" {
		t.Fatalf("the daemon does not see PS001 stalled: %v", st)
	}
	if err := ctl.Ingest(path); err != nil {
		t.Fatal(err)
	}
	recs := operatorRecords(t, path)
	if len(recs) != 1 || recs[0].Actor != ownerActor() {
		t.Fatalf("records %+v, want one retry by the file's owner", recs)
	}
	if st := ctl.Ladder().Stalled(); len(st) != 0 {
		t.Errorf("still stalled after the queued retry: %v", st)
	}
	if left := inbox.Pending(path); len(left) != 0 {
		t.Errorf("inbox still holds %v", left)
	}
}

// TestPausedPlan: `plan` shows a paused server's actions held, with who
// paused it and why; after `resume` it plans them again.
func TestPausedPlan(t *testing.T) {
	pol, _, clk := verbJournal(t)
	if res := runCLI(t, clk, "pause", "PS002", "--policy", pol, "--reason", "disk swap"); res.code != exitOK {
		t.Fatalf("pause: exit %d, stderr %q", res.code, res.stderr)
	}
	res := runCLI(t, clk, "plan", "--policy", pol)
	me := audit.CurrentActor().User
	if res.code != exitOK || !strings.Contains(res.stdout, "paused by "+me) || !strings.Contains(res.stdout, "disk swap") ||
		strings.Contains(res.stdout, "update_configuration:PS002") {
		t.Fatalf("plan while paused: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if res := runCLI(t, clk, "resume", "PS002", "--policy", pol); res.code != exitOK {
		t.Fatalf("resume: exit %d, stderr %q", res.code, res.stderr)
	}
	if res := runCLI(t, clk, "plan", "--policy", pol); !strings.Contains(res.stdout, "update_configuration:PS002") {
		t.Fatalf("plan after resume:\n%s\n%s", res.stdout, res.stderr)
	}
}

// TestStatusShowsStalledAndPaused pins what `status` says of a stalled
// server (a Stalled condition with what to do) and of pauses (who,
// since, why), and `status SERVER`'s ladder lines.
func TestStatusShowsStalledAndPaused(t *testing.T) {
	stall := stallRecord("PS002")
	stall.Detail = audit.JSON(guard.Verification{Result: guard.NotEffective, Rung: actions.RungProcedure1, Next: actions.RungStalled,
		Stalled: trustStall, Message: "Procedure 1 at 02:01 did not make 2 pairs Ready; stalled"})
	pol, path, clk := verbJournal(t, stall,
		audit.Record{Type: audit.TypePause, Server: "PS003", Actor: testActor, Detail: audit.JSON(inbox.OperatorDetail{Reason: "disk swap"})},
		audit.Record{Type: audit.TypePause, Actor: testActor})
	res := runCLI(t, clk, "status", "--policy", pol, "--log-level", "error")
	if res.code != exitOK {
		t.Fatalf("status: exit %d\n%s", res.code, res.stderr)
	}
	golden(t, "status/stalled-paused.txt", strings.ReplaceAll(res.stdout, filepath.Dir(path), "$DIR"))
	res = runCLI(t, clk, "status", "ps002", "--policy", pol, "--log-level", "error")
	if res.code != exitOK {
		t.Fatalf("status PS002: exit %d\n%s", res.code, res.stderr)
	}
	i, j := strings.Index(res.stdout, "Conditions:"), strings.Index(res.stdout, "Evidence:")
	golden(t, "status/stalled-PS002.txt", res.stdout[i:j])
	res = runCLI(t, clk, "status", "--json", "--policy", pol, "--log-level", "error")
	var js statusJSON
	if err := json.Unmarshal([]byte(res.stdout), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Ladder.Stalled) != 1 || js.Ladder.Stalled[0].Reason != statusview.ReasonTrustBroken || len(js.Ladder.Paused) != 2 {
		t.Fatalf("ladder in --json: %+v", js.Ladder)
	}
	for _, s := range js.Servers {
		c, ok := s.Condition(statusview.Stalled)
		if ok != (s.Name == "PS002") || ok && (c.Status != "True" || !strings.Contains(c.Message, "Test-ComputerSecureChannel")) {
			t.Errorf("%s: Stalled condition %+v (present %v)", s.Name, c, ok)
		}
	}
}
