package controller

import (
	"github.com/itms-tools/reconciler/audit"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
)

// Reliability test 3: budgets across restarts and clocks. The fake-clock
// case (spend, restart, clock back, clock forward) is
// TestLimitHoldsAcrossRestartAndClockJumps; these add a journal stamped in
// the future and journals that cannot be read.

const twoPerHour = `limit "delete_ns_snapshot" {
  max = 2
  per = "1h"
}
limit "resend_status" {
  max = 50
  per = "1h"
}
`

// A journal whose records are stamped hours ahead of the clock (written by
// a host whose clock ran fast, then corrected) is restored by a fresh
// controller: its spends count until an hour after their stamps, so the
// correction grants nothing.
func TestFutureJournalGrantsNoBudget(t *testing.T) {
	r := newRig(t, scenario(t, staleNS), twoPerHour)
	ahead := t0.Add(5 * time.Hour)
	r.clk.Set(ahead)
	if got := countKind(r.pass(), actions.DeleteNSSnapshot, actions.Applied); got != 2 {
		t.Fatalf("pass from the future applied %d deletions, want the whole budget of 2", got)
	}
	steps := []struct {
		name string
		at   time.Time
		want int
	}{
		{"clock corrected back 5h, fresh process", t0, 0},
		{"an hour later", t0.Add(time.Hour), 0},
		{"one minute before the future spends age out", ahead.Add(59 * time.Minute), 0},
		{"after they age out", ahead.Add(time.Hour + time.Second), 2},
	}
	for _, s := range steps {
		r.clk.Set(s.at)
		r.restart() // controller.New + Restore from the journal
		if rem := r.ctl.Limiter().Remaining(actions.DeleteNSSnapshot, s.at); rem != s.want {
			t.Fatalf("%s: %d left after Restore, want %d", s.name, rem, s.want)
		}
		if got := countKind(r.pass(), actions.DeleteNSSnapshot, actions.Applied); got != s.want {
			t.Fatalf("%s: %d deletions applied, want %d", s.name, got, s.want)
		}
	}
	if out := r.outcomes(); out["deferred delete_ns_snapshot [limit]"] < 3 {
		t.Fatalf("held deletions not audited as deferred by the limit: %v", out)
	}
	r.verifyJournal()
}

// restoreFrom builds a fresh controller (as a restart does) and restores it
// from path. It returns the controller and Restore's error.
func restoreFrom(t *testing.T, r *rig, path string) (*Controller, error) {
	t.Helper()
	ctl, err := New(Options{Policy: r.pol, Site: Site{CMDB: r.site, NS: r.site, Agents: r.site, Driver: r.site},
		Journal: r.journal, Clock: r.clk})
	if err != nil {
		t.Fatal(err)
	}
	return ctl, ctl.Restore(path)
}

// A journal that exists but cannot be read spends the whole budget of every
// limited destructive kind, with an error that says so; limited kinds that
// only report (resend_status) keep theirs.
func TestUnreadableJournalSpendsDestructiveBudgets(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		root    bool // the case works as root
	}{
		{"a directory in its place", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"permission 000", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte{}, 0o000); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"a garbage line mid-file", func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitAfter(string(b), "\n")
			lines[1] = "not a record\n"
			if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a dangling symlink loop", func(t *testing.T, path string) {
			if err := os.Symlink(path, path); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.root && os.Geteuid() == 0 || runtime.GOOS == "windows" && (!tt.root || strings.Contains(tt.name, "symlink")) {
				t.Skip("root reads a file of mode 000; Windows has neither modes nor unprivileged symlinks")
			}
			r := newRig(t, scenario(t, staleNS), twoPerHour)
			r.pass() // a journal with a few records
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			if strings.Contains(tt.name, "garbage") {
				b, err := os.ReadFile(r.pol.Audit.Path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			tt.prepare(t, path)
			r.clk.Advance(3 * time.Hour) // the pass's own spends have aged out
			ctl, err := restoreFrom(t, r, path)
			if err == nil {
				t.Fatal("Restore of an unreadable journal returned no error")
			}
			if !strings.Contains(err.Error(), "destructive kinds get no budget") || !strings.Contains(err.Error(), path) {
				t.Errorf("error does not say what happens and where: %v", err)
			}
			now := r.clk.Now()
			if rem := ctl.Limiter().Remaining(actions.DeleteNSSnapshot, now); rem != 0 {
				t.Errorf("delete_ns_snapshot: %d left, want 0", rem)
			}
			if rem := ctl.Limiter().Remaining(actions.ResendStatus, now); rem != 50 {
				t.Errorf("resend_status (not destructive): %d left, want 50", rem)
			}
			r.ctl = ctl
			res := r.pass()
			if got := countKind(res, actions.DeleteNSSnapshot, actions.Applied); got != 0 {
				t.Fatalf("%d deletions applied on an unreadable journal", got)
			}
			if got := countKind(res, actions.DeleteNSSnapshot, actions.Deferred); got == 0 {
				t.Fatal("deletions not deferred")
			}
			// The exhaustion ages out like a spend: an hour later the budget
			// is back (the journal is still unreadable, but the window has
			// passed; the admin was told at start).
			r.clk.Advance(time.Hour + time.Second)
			if rem := ctl.Limiter().Remaining(actions.DeleteNSSnapshot, r.clk.Now()); rem != 2 {
				t.Errorf("an hour after the exhaustion %d left, want 2", rem)
			}
		})
	}
}

// A torn last line is not unreadable: Restore replays every complete record
// and returns no error, so the spends before the tear still count.
func TestTornJournalKeepsItsSpends(t *testing.T) {
	r := newRig(t, scenario(t, staleNS), twoPerHour)
	if got := countKind(r.pass(), actions.DeleteNSSnapshot, actions.Applied); got != 2 {
		t.Fatalf("first pass applied %d deletions, want 2", got)
	}
	r.journal.Close()
	f, err := os.OpenFile(r.pol.Audit.Path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"seq":999,"time":"2026-11-24T10:0`); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r.clk.Advance(time.Minute)
	ctl, err := restoreFrom(t, r, r.pol.Audit.Path)
	if err != nil {
		t.Fatalf("Restore of a torn journal: %v", err)
	}
	if rem := ctl.Limiter().Remaining(actions.DeleteNSSnapshot, r.clk.Now()); rem != 0 {
		t.Fatalf("%d left after a torn tail, want 0", rem)
	}
	r.journal = nil
	r.restart() // audit.Open cuts the tail and records it
	if got := countKind(r.pass(), actions.DeleteNSSnapshot, actions.Applied); got != 0 {
		t.Fatalf("%d deletions after the restart, want 0", got)
	}
	r.verifyJournal()
}

// A start that found the journal gone (its lock file still there) is
// recorded in the startup record; replaying it spends every destructive
// limited kind for one window, and nothing else.
func TestJournalLostSpendsDestructiveBudgetsForAWindow(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), `limit "delete_ns_snapshot" {
  max = 5
  per = "1h"
}
limit "resend_status" {
  max = 5
  per = "1h"
}
`)
	if _, err := r.journal.Append(audit.Record{Type: audit.TypeStartup,
		Detail: audit.JSON(map[string]any{JournalLostKey: true})}); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(10 * time.Minute)
	r.restart()
	l := r.ctl.Limiter()
	if got := l.Remaining(actions.DeleteNSSnapshot, r.clk.Now()); got != 0 {
		t.Errorf("delete_ns_snapshot: %d left after a lost journal, want 0", got)
	}
	if got := l.Remaining(actions.ResendStatus, r.clk.Now()); got != 5 {
		t.Errorf("resend_status (not destructive): %d left, want 5", got)
	}
	if got := l.Remaining(actions.DeleteNSSnapshot, r.clk.Now().Add(51*time.Minute)); got != 5 {
		t.Errorf("an hour later: %d left, want 5", got)
	}
}
