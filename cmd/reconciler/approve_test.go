package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/controller"
)

const approveCredential = "approve = [\"set_credential_mode\", \"delete_ns_snapshot\"]\n"

// approvalIDs returns the action ids of an approval record.
func approvalIDs(t *testing.T, r audit.Record) []string {
	t.Helper()
	var d controller.ApprovalDetail
	if err := json.Unmarshal(r.Detail, &d); err != nil {
		t.Fatalf("approval detail %s: %v", r.Detail, err)
	}
	return d.Actions
}

// checkApproval checks that r records the approval of ids by actor.
func checkApproval(t *testing.T, r audit.Record, plan string, ids []string, actor audit.Actor) {
	t.Helper()
	if r.Type != audit.TypeApproval || r.Plan != plan {
		t.Errorf("record %s plan %q, want approval of plan %q", r.Type, r.Plan, plan)
	}
	if got := approvalIDs(t, r); !slices.Equal(got, ids) {
		t.Errorf("approved %q, want %q", got, ids)
	}
	if r.Actor != actor {
		t.Errorf("actor %+v, want the approver %+v", r.Actor, actor)
	}
}

// ownerActor is the actor the daemon records for a request file this
// process queued: the file's owner on this host, no process.
func ownerActor() audit.Actor {
	me := audit.CurrentActor()
	return audit.Actor{Host: me.Host, User: me.User}
}

// TestApproveActionIDs records action ids directly: no daemon holds the
// journal, and no site is opened.
func TestApproveActionIDs(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		want   []string // recorded ids
		stderr string   // substring; "" means none
	}{
		{name: "one", args: []string{"set_credential_mode:NS:anonymous#1"},
			want: []string{"set_credential_mode:NS:anonymous#1"}},
		{name: "canonical GUID, duplicates dropped, reason after ids",
			args: []string{"delete_ns_snapshot:NS/{6F1C9A2E-3B4D-4E5F-8A9B-0C1D2E3F4A5B}", "delete_ns_snapshot:NS/" + pkgA, "--reason", "CAB 42"},
			want: []string{"delete_ns_snapshot:NS/" + pkgA}},
		{name: "kind not held by the policy", args: []string{"grant_acl:PS001", "set_credential_mode:NS:ACC"},
			want:   []string{"grant_acl:PS001", "set_credential_mode:NS:acc"},
			stderr: "note: the policy does not hold grant_acl for approval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			pol := simPolicy(t, dir, approveCredential)
			res := runCLI(t, clock.NewFake(t0), append([]string{"approve", "--policy", pol}, tt.args...)...)
			if res.code != exitOK {
				t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
			}
			want := "approved " + plural(len(tt.want), "action") + " (journal seq 1)\n  " + strings.Join(tt.want, "\n  ") + "\n"
			if res.stdout != want {
				t.Errorf("stdout %q, want %q", res.stdout, want)
			}
			if tt.stderr == "" && res.stderr != "" || !strings.Contains(res.stderr, tt.stderr) {
				t.Errorf("stderr %q, want %q", res.stderr, tt.stderr)
			}
			recs := readJournal(t, filepath.Join(dir, "audit.jsonl"))
			if len(recs) != 1 {
				t.Fatalf("%d records, want 1 approval", len(recs))
			}
			checkApproval(t, recs[0], "", tt.want, audit.CurrentActor())
			if !recs[0].Time.Equal(t0) {
				t.Errorf("recorded at %s, want the clock's %s", recs[0].Time, t0)
			}
			if _, err := os.Stat(filepath.Join(dir, "site")); err == nil {
				t.Error("the site was opened: action ids need no site")
			}
		})
	}
}

// TestApproveInvalid checks that bad ids are refused before anything is
// written.
func TestApproveInvalid(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no id", nil, "want a plan id (p-..., from reconciler plan) or action ids"},
		{"unknown kind", []string{"reboot:PS001"}, `action id "reboot:PS001": unknown action kind "reboot"`},
		{"kind only", []string{"grant_acl"}, `action id "grant_acl": want KIND:TARGET`},
		{"empty target", []string{"grant_acl:"}, `action id "grant_acl:": want KIND:TARGET`},
		{"bad host", []string{"grant_acl:PS 001"}, `not a host name: "PS 001"`},
		{"path in host", []string{`grant_acl:..\..\Windows`}, "not a host name"},
		{"bad GUID", []string{"delete_ps_snapshot:PS001/../../x"}, `not a GUID: "../../x"`},
		{"bad mode", []string{"set_credential_mode:NS:kerberos"}, `unknown credential mode "kerberos"`},
		{"bad round", []string{"update_configuration:PS004#3"}, "round after # is 1 or 2"},
		{"empty plan id", []string{"p-"}, `"p-" is not a plan id`},
		{"plan id with action id", []string{"p-1a2b", "grant_acl:PS001"}, "a plan id (p-1a2b) stands alone"},
		{"unknown flag", []string{"grant_acl:PS001", "--why", "x"}, "flag provided but not defined: -why"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			pol := simPolicy(t, dir, approveCredential)
			res := runCLI(t, clock.NewFake(t0), append([]string{"approve", "--policy", pol}, tt.args...)...)
			if res.code != exitError || !strings.Contains(res.stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit 1 and %q", res.code, res.stderr, tt.stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "audit.jsonl")); err == nil {
				t.Error("a journal was written")
			}
		})
	}
}

// TestApproveQueued queues an approval while a daemon holds the journal,
// then lets the daemon's controller ingest it.
func TestApproveQueued(t *testing.T) {
	dir := t.TempDir()
	pol := simPolicy(t, dir, approveCredential)
	path := filepath.Join(dir, "audit.jsonl")
	clk := clock.NewFake(t0)
	j := openTestJournal(t, path, clk) // the running daemon
	id := "set_credential_mode:NS:anonymous#1"
	res := runCLI(t, clk, "approve", "--policy", pol, id, "--reason", "CAB 42")
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	files := inboxFiles(t, path)
	if len(files) != 1 {
		t.Fatalf("inbox holds %q, want one request", files)
	}
	want := "approval queued for the running daemon: " + files[0] + " (recorded at its next pass)\n  " + id + "\n"
	if res.stdout != want {
		t.Errorf("stdout %q, want %q", res.stdout, want)
	}
	if recs := readJournal(t, path); len(recs) != 0 {
		t.Fatalf("journal holds %d records before the daemon ingests", len(recs))
	}

	ctl := daemonController(t, pol, j, clk)
	if err := ctl.Ingest(path); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	recs := readJournal(t, path)
	if len(recs) != 1 {
		t.Fatalf("%d records, want the approval", len(recs))
	}
	checkApproval(t, recs[0], "", []string{id}, ownerActor())
	if left := inboxFiles(t, path); len(left) != 0 {
		t.Errorf("inbox still holds %q", left)
	}
	if !ctl.Approvals().Approved(id, clk.Now()) {
		t.Errorf("the daemon does not hold the approval of %s", id)
	}
}

// currentPlan returns the plan a pass would compute now, and the ids of
// its actions of kind set_credential_mode.
func currentPlan(t *testing.T, pol string, clk clock.Clock) (string, []string) {
	t.Helper()
	s := testSession(t, pol, clk)
	ctl, err := s.controller(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ctl.PlanOnly(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range res.Plan.Actions {
		if a.Kind == "set_credential_mode" {
			ids = append(ids, a.ID)
		}
	}
	s.close()
	return res.Plan.ID, ids
}

// TestApprovePlan approves a plan of a simulated site (a stuck credential:
// the reset cycle's two set_credential_mode actions need approval).
func TestApprovePlan(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		plan   string // "" means the current plan
		code   int
		stdout string // "" means the approval of the current plan
		stderr string
	}{
		{name: "current plan", policy: "approve = [\"set_credential_mode\"]\n", code: exitOK},
		{name: "plan changed", policy: "approve = [\"set_credential_mode\"]\n", plan: "p-0123456789ab", code: exitError,
			stderr: "reconciler: plan changed: current plan is PLAN (run reconciler plan)\n"},
		{name: "nothing needs approval", policy: "", code: exitOK,
			stdout: "plan PLAN: no action needs approval; nothing recorded\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case builds its own site on disk
			dir := t.TempDir()
			pol := simPolicy(t, dir, tt.policy)
			clk := clock.NewFake(t0)
			plan, ids := currentPlan(t, pol, clk)
			if len(ids) != 2 {
				t.Fatalf("plan %s has set_credential_mode actions %q, want the reset cycle's two", plan, ids)
			}
			arg := tt.plan
			if arg == "" {
				arg = plan
			}
			res := runCLI(t, clk, "approve", arg, "--policy", pol, "--reason", "CAB 42", "--log-level", "error")
			stdout := strings.ReplaceAll(tt.stdout, "PLAN", plan)
			if tt.stdout == "" && tt.code == exitOK {
				// One approval covers the reset cycle: its key is round 1's id.
				stdout = "approved 1 action (journal seq 1)\n  " + ids[0] + "\n"
			}
			if res.code != tt.code || res.stdout != stdout || res.stderr != strings.ReplaceAll(tt.stderr, "PLAN", plan) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d, %q, %q", res.code, res.stdout, res.stderr, tt.code, stdout, tt.stderr)
			}
			path := filepath.Join(dir, "audit.jsonl")
			if tt.stdout != "" || tt.code != exitOK {
				if _, err := os.Stat(path); err == nil {
					t.Errorf("a journal was written")
				}
				return
			}
			recs := readJournal(t, path)
			if len(recs) != 1 {
				t.Fatalf("%d records, want the approval", len(recs))
			}
			checkApproval(t, recs[0], plan, ids[:1], audit.CurrentActor())
		})
	}
}

// TestApproveHelp prints the usage and succeeds.
func TestApproveHelp(t *testing.T) {
	res := runCLI(t, clock.NewFake(t0), "approve", "-h")
	if res.code != exitOK || !strings.Contains(res.stderr, "usage: reconciler approve ID [ID...] [--reason TEXT]") {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}
