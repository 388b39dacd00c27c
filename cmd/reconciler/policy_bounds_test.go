package main

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

// TestDeepPolicyRefusedAtCheckAndStart: `policy check` and a start name
// the place where the nesting bound is crossed and exit 1.
func TestDeepPolicyRefusedAtCheckAndStart(t *testing.T) {
	dir := t.TempDir()
	path := simPolicy(t, dir, deepHCL)
	want := path + ":12:37: Error: Policy nested too deeply"
	for _, args := range [][]string{{"policy", "check", path}, {"status", "--policy", path}, {"run", "--once", "--policy", path}} {
		r := runCLI(t, clock.NewFake(t0), args...)
		if r.code != exitError || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, stderr %.300q; want exit 1 and %q", args[0], r.code, r.stderr, want)
		}
	}
}

// TestDeepPolicyReloadKeepsTheDaemon: the daemon's reload path (SIGHUP or
// a file change, then controller.RejectPolicy) refuses the file, journals
// policy_rejected with the position, and goes on with the policy in force.
func TestDeepPolicyReloadKeepsTheDaemon(t *testing.T) {
	dir := t.TempDir()
	path := simPolicy(t, dir, "")
	clk := clock.NewFake(t0)
	s := testSession(t, path, clk)
	j := openTestJournal(t, s.pol.Audit.Path, clk)
	ctl, err := s.controller(j, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(mustRead(t, path), deepHCL...), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal)
	n := &fakeNotifier{journal: s.pol.Audit.Path, events: make(chan string, 16)}
	reloads := watchPolicy(ctx, s, ctl, hup, n, nil, nil)
	hup <- os.Interrupt // the first reload
	hup <- os.Interrupt // taken once the first one was handled
	var rejected []audit.Record
	for _, r := range readJournal(t, s.pol.Audit.Path) {
		if r.Type == audit.TypePolicyRejected {
			rejected = append(rejected, r)
		}
	}
	if len(rejected) == 0 || !strings.Contains(rejected[0].Error, path+":12:37: Policy nested too deeply") {
		t.Fatalf("policy_rejected records %+v, want one naming %s:12:37", rejected, path)
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

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
