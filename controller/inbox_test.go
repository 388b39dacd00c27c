package controller

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/inbox"
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
	if p := r.ctl.Ladder().Paused(); p["PS002"] != me {
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
