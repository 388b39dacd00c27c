package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/clock"
)

// TestStatusShowsTheLastKnownStateWhenTheCMDBIsDown: the demo's scripted
// CMDB outage (1m–2m) falls when one first looks. status then shows the
// last state a pass observed, says it is stale, and exits 3 — not an
// empty table, "0 servers in scope" and 0. (In dry-run, so that the
// state the pass recorded is the demo's broken one.)
func TestStatusShowsTheLastKnownStateWhenTheCMDBIsDown(t *testing.T) {
	dir := t.TempDir()
	p := demoPolicy(t, dir, "")
	clk := clock.NewFake(t0)
	args := []string{"--policy", p, "--log-level", "error"}
	res := runCLI(t, clk, append([]string{"status"}, args...)...) // creates the site
	if res.code != exitOK {
		t.Fatalf("status before the outage: exit %d", res.code)
	}
	clk.Set(t0.Add(90 * time.Second))
	res = runCLI(t, clk, append([]string{"status"}, args...)...)
	if res.code != exitError || !strings.Contains(res.stdout, "No last known state") {
		t.Errorf("no pass recorded yet: exit %d, want 1\n%s", res.code, res.stdout)
	}

	clk.Set(t0)
	if res := runCLI(t, clk, append([]string{"run", "--once"}, args...)...); res.code != exitOK {
		t.Fatalf("run --once: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	clk.Set(t0.Add(90 * time.Second))
	res = runCLI(t, clk, append([]string{"status"}, args...)...)
	if res.code != exitStale {
		t.Fatalf("exit %d, want %d\n%s%s", res.code, exitStale, res.stdout, res.stderr)
	}
	// The journal's size depends on the length of the temporary folder's
	// name, which the startup record holds.
	golden(t, "demo/status-stale.txt", regexp.MustCompile(`\d+ bytes`).ReplaceAllString(strings.ReplaceAll(res.stdout, dir, "$DIR"), "N bytes"))

	res = runCLI(t, clk, append([]string{"status", "--json"}, args...)...)
	var st statusJSON
	if err := json.Unmarshal([]byte(res.stdout), &st); err != nil || res.code != exitStale {
		t.Fatalf("--json: exit %d, %v", res.code, err)
	}
	if st.Stale == nil || st.Stale.LastKnown == nil || st.Stale.LastKnown.Observation.Totals.Servers != 12 ||
		!strings.Contains(st.Stale.Reason, "CMDB") || !st.Stale.LastKnown.At.Equal(t0) {
		t.Errorf("stale part of --json: %+v", st.Stale)
	}
}

// TestStatusServerDetail pins `status PS008`: the stuck server's
// conditions, evidence, the reset cycle planned for it (the NS's actions
// included) and its history, from a dry-run pass.
func TestStatusServerDetail(t *testing.T) {
	dir := t.TempDir()
	p := demoPolicy(t, dir, "")
	clk := clock.NewFake(t0)
	args := []string{"--policy", p, "--log-level", "error"}
	if res := runCLI(t, clk, append([]string{"run", "--once"}, args...)...); res.code != exitOK {
		t.Fatalf("run --once: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res := runCLI(t, clk, append([]string{"status", "ps008"}, args...)...)
	if res.code != exitOK {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	golden(t, "demo/status-PS008.txt", res.stdout)
	res = runCLI(t, clk, append([]string{"status", "PS008", "--json"}, args...)...)
	var js serverJSON
	if err := json.Unmarshal([]byte(res.stdout), &js); err != nil || res.code != exitOK || js.Server.Name != "PS008" ||
		len(js.Plan.Actions) == 0 || js.Total == 0 {
		t.Errorf("--json: exit %d, %v: %.300s", res.code, err, res.stdout)
	}
	for _, tc := range []struct{ name, want string }{
		{"PS099", "PS099 is not a package server in scope (12 servers seen) (did you mean PS009?)"},
		{"bad name!", `not a host name: "bad name!"`},
	} {
		res := runCLI(t, clk, append([]string{"status", tc.name}, args...)...)
		if res.code != exitError || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("status %q: exit %d, stderr %q, want %q", tc.name, res.code, res.stderr, tc.want)
		}
	}
}

// TestStatusWatch re-renders every --every on the fake clock until the
// context ends (Ctrl-C).
func TestStatusWatch(t *testing.T) {
	p := demoPolicy(t, t.TempDir(), demoLimits)
	clk := clock.NewFake(t0)
	var mu sync.Mutex
	var stdout, stderr bytes.Buffer
	w := lockedWriter{&mu, &stdout}
	e := &env{stdout: w, stderr: &stderr, getenv: func(string) string { return "" },
		isTerminal: func(io.Writer) bool { return false }, clock: clk}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- run(ctx, e, []string{"status", "--watch", "--every", "10s", "--policy", p, "--log-level", "error"})
	}()
	for range 2 {
		clk.WaitForTimers(1)
		clk.Advance(10 * time.Second)
	}
	clk.WaitForTimers(1)
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(stdout.String(), "Site health at "); n != 3 {
		t.Errorf("%d renders, want 3 (at once, at 10s and 20s)", n)
	}
	if !strings.Contains(stdout.String(), "\n--- 2026-03-01T02:00:20Z\n") {
		t.Errorf("renders not separated by their time:\n%.500s", stdout.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
