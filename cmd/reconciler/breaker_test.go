package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/guard"
)

const tripReason = "not-Ready pairs grew from 3 to 9 after a pass that acted"

// breakerRecord is a breaker transition as the daemon records it.
func breakerRecord(state, reason string) audit.Record {
	return audit.Record{Type: audit.TypeBreaker, Detail: audit.JSON(map[string]string{"state": state, "reason": reason})}
}

// checkReset checks that r records a reset by actor.
func checkReset(t *testing.T, r audit.Record, reason string, actor audit.Actor) {
	t.Helper()
	var d controller.BreakerDetail
	if err := json.Unmarshal(r.Detail, &d); err != nil || r.Type != audit.TypeBreaker {
		t.Fatalf("record %s %s, want a breaker reset", r.Type, r.Detail)
	}
	if d != (controller.BreakerDetail{State: "reset", Reason: reason}) {
		t.Errorf("detail %+v, want a reset for %q", d, reason)
	}
	if r.Actor != actor {
		t.Errorf("actor %+v, want %+v", r.Actor, actor)
	}
}

// TestBreakerStatus replays the journal's breaker records.
func TestBreakerStatus(t *testing.T) {
	tests := []struct {
		name    string
		records []audit.Record // nil: no journal
		want    string
	}{
		{"no journal", nil, "breaker closed (no journal at PATH yet)\n"},
		{"no breaker record", []audit.Record{{Type: audit.TypeNote, Detail: audit.JSON("hello")}}, "breaker closed\n"},
		{"tripped", []audit.Record{breakerRecord("tripped", tripReason)},
			"breaker OPEN since 2026-03-01T02:01:00Z: " + tripReason + "\n"},
		{"tripped then reset", []audit.Record{breakerRecord("tripped", tripReason), breakerRecord("reset", "checked")}, "breaker closed\n"},
		{"closed by the daemon", []audit.Record{breakerRecord("tripped", tripReason), breakerRecord("closed", "no growth for 1h")}, "breaker closed\n"},
		{"tripped again", []audit.Record{breakerRecord("tripped", "first"), breakerRecord("reset", ""), breakerRecord("tripped", "second\x1b[2J")},
			"breaker OPEN since 2026-03-01T02:03:00Z: second?[2J\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			pol := simPolicy(t, dir, "")
			path := filepath.Join(dir, "audit.jsonl")
			clk := clock.NewFake(t0)
			if tt.records != nil {
				j := openTestJournal(t, path, clk)
				appendAll(t, j, clk, time.Minute, tt.records...)
				j.Close()
			}
			res := runCLI(t, clk, "breaker", "status", "--policy", pol)
			if want := strings.ReplaceAll(tt.want, "PATH", path); res.code != exitOK || res.stdout != want {
				t.Errorf("exit %d, stdout %q, stderr %q; want 0 and %q", res.code, res.stdout, res.stderr, want)
			}
		})
	}
}

// TestBreakerResetDirect resets a tripped breaker with no daemon running.
func TestBreakerResetDirect(t *testing.T) {
	dir := t.TempDir()
	pol := simPolicy(t, dir, "")
	path := filepath.Join(dir, "audit.jsonl")
	clk := clock.NewFake(t0)
	j := openTestJournal(t, path, clk)
	appendAll(t, j, clk, time.Minute, breakerRecord("tripped", tripReason))
	j.Close()

	res := runCLI(t, clk, "breaker", "reset", "--policy", pol, "--reason", "checked PS004 by hand")
	if want := "breaker reset (journal seq 2): closed from the next start on\n"; res.code != exitOK || res.stdout != want {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %q", res.code, res.stdout, res.stderr, want)
	}
	recs := readJournal(t, path)
	checkReset(t, recs[len(recs)-1], "checked PS004 by hand", audit.CurrentActor())
	if res := runCLI(t, clk, "breaker", "status", "--policy", pol); res.stdout != "breaker closed\n" {
		t.Errorf("status after reset: %q", res.stdout)
	}
	// A later start replays the journal: the breaker stays closed.
	if ctl := daemonController(t, pol, nil, clk); ctl.Breaker().State().Open {
		t.Errorf("a restarted daemon sees the breaker open: %+v", ctl.Breaker().State())
	}
}

// TestBreakerResetQueued resets the breaker of a running daemon through
// its inbox, and lets the daemon's controller ingest the request.
func TestBreakerResetQueued(t *testing.T) {
	dir := t.TempDir()
	pol := simPolicy(t, dir, "")
	path := filepath.Join(dir, "audit.jsonl")
	clk := clock.NewFake(t0)
	j := openTestJournal(t, path, clk) // the running daemon
	appendAll(t, j, clk, time.Minute, breakerRecord("tripped", tripReason))
	ctl := daemonController(t, pol, j, clk)
	if !ctl.Breaker().State().Open {
		t.Fatal("the daemon's breaker is not open after the trip")
	}

	res := runCLI(t, clk, "breaker", "reset", "--policy", pol)
	files := inboxFiles(t, path)
	if len(files) != 1 {
		t.Fatalf("inbox holds %q, want one request; stderr %q", files, res.stderr)
	}
	want := "breaker reset queued for the running daemon: " + files[0] + " (recorded at its next pass)\n"
	if res.code != exitOK || res.stdout != want {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %q", res.code, res.stdout, res.stderr, want)
	}
	status := runCLI(t, clk, "breaker", "status", "--policy", pol)
	if want := "breaker OPEN since 2026-03-01T02:01:00Z: " + tripReason + "\nreset queued for the running daemon: " + files[0] + "\n"; status.stdout != want {
		t.Errorf("status while queued: %q, want %q", status.stdout, want)
	}

	if err := ctl.Ingest(path); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if ctl.Breaker().State().Open {
		t.Error("the daemon's breaker is still open after ingesting the reset")
	}
	recs := readJournal(t, path)
	checkReset(t, recs[len(recs)-1], "", ownerActor())
	if left := inboxFiles(t, path); len(left) != 0 {
		t.Errorf("inbox still holds %q", left)
	}
	if res := runCLI(t, clk, "breaker", "status", "--policy", pol); res.stdout != "breaker closed\n" {
		t.Errorf("status after ingest: %q", res.stdout)
	}
}

// TestBreakerUsage checks verbs and arguments.
func TestBreakerUsage(t *testing.T) {
	pol := simPolicy(t, t.TempDir(), "")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no verb", nil, exitError, "usage: reconciler breaker status | reset"},
		{"help", []string{"-h"}, exitOK, "usage: reconciler breaker status | reset"},
		{"unknown verb", []string{"open"}, exitError, `unknown verb "open"`},
		{"status argument", []string{"status", "--policy", pol, "now"}, exitError, `breaker status: unexpected argument "now"`},
		{"reset argument", []string{"reset", "--policy", pol, "please"}, exitError, `breaker reset: unexpected argument "please"`},
		{"reset bad flag", []string{"reset", "--force"}, exitError, "flag provided but not defined: -force"},
		{"reset log level", []string{"reset", "--policy", pol, "--log-level", "loud"}, exitError, `--log-level "loud"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, clock.NewFake(t0), append([]string{"breaker"}, tt.args...)...)
			if res.code != tt.code || !strings.Contains(res.stderr, tt.stderr) || res.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and %q", res.code, res.stdout, res.stderr, tt.code, tt.stderr)
			}
		})
	}
}

// TestBreakerStatusAfterRetention: a breaker tripped in a segment that
// retention removed is still open, as the daemon restores it from the
// state the segment record carries.
func TestBreakerStatusAfterRetention(t *testing.T) {
	dir := t.TempDir()
	pol := simPolicy(t, dir, "")
	path := filepath.Join(dir, "audit.jsonl")
	clk := clock.NewFake(t0)
	j := openTestJournal(t, path, clk)
	appendAll(t, j, clk, time.Minute, breakerRecord("tripped", tripReason))
	since := clk.Now()
	carry := audit.JSON(controller.CarriedState{Breaker: &guard.BreakerState{Open: true, Since: since, Reason: tripReason}})
	for range 2 { // two rotations: retention keeps the newest segment
		clk.Advance(time.Hour)
		appendAll(t, j, clk, time.Minute, audit.Record{Type: audit.TypeNote, Detail: audit.JSON("pass")})
		if err := j.Checkpoint(audit.Checkpoint{Carry: carry, Needed: clk.Now().Add(time.Hour),
			Rotation: &audit.Rotation{Size: 1, RetainSize: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	for _, r := range readJournal(t, path) {
		if r.Type == audit.TypeBreaker {
			t.Fatalf("the tripped record is still in the journal: retention removed nothing")
		}
	}
	res := runCLI(t, clk, "breaker", "status", "--policy", pol)
	if want := "breaker OPEN since 2026-03-01T02:01:00Z: " + tripReason + "\n"; res.code != exitOK || res.stdout != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and %q", res.code, res.stdout, res.stderr, want)
	}
	if ctl := daemonController(t, pol, nil, clk); !ctl.Breaker().State().Open {
		t.Error("the daemon does not restore the breaker either: the test journal is wrong")
	}
}
