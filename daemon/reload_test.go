package daemon

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
)

// deepHCL is the review's reload killer: 200,000 nested "[" (400 kB),
// which overflowed hcl's recursion (a fatal error no recover catches).
var deepHCL = "x = " + strings.Repeat("[", 200_000) + strings.Repeat("]", 200_000) + "\n"

// TestDeepPolicyReloadKeepsTheDaemon: the daemon's reload path (SIGHUP or
// a file change, then controller.RejectPolicy) refuses the file, journals
// policy_rejected with the position, and goes on with the policy in force.
func TestDeepPolicyReloadKeepsTheDaemon(t *testing.T) {
	path := simPolicy(t, t.TempDir(), "")
	clk := clock.NewFake(t0)
	o := testOptions(t, path, clk)
	j := openJournal(t, o.Policy.Audit.Path, clk)
	ctl := leader(t, o, j)
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(body, deepHCL...), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal)
	o.HUP = hup
	n := &fakeManager{events: make(chan string, 16)}
	reloads := watchPolicy(ctx, o, ctl, n, nil, nil)
	hup <- os.Interrupt // the first reload
	hup <- os.Interrupt // taken once the first one was handled
	var rejected []audit.Record
	for _, r := range readJournal(t, o.Policy.Audit.Path) {
		if r.Type == audit.TypePolicyRejected {
			rejected = append(rejected, r)
		}
	}
	if len(rejected) == 0 || !strings.Contains(rejected[0].Error, path+":12:37: Policy nested too deeply") {
		t.Fatalf("policy_rejected records %+v, want one naming %s:12:37", rejected, path)
	}
	if got := <-n.events; got != "reloading" {
		t.Errorf("first message %q, want reloading", got)
	}
	if got := <-n.events; got != "ready policy rejected; the previous one stays in force" {
		t.Errorf("second message %q, want ready with the rejection", got)
	}
	if _, err := ctl.ReconcileOnce(ctx); err != nil {
		t.Fatalf("pass after the rejected reload: %v", err)
	}
	select {
	case p := <-reloads:
		t.Fatalf("a reload was delivered: %s", p.File)
	default:
	}
}
