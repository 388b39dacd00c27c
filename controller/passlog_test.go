package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the loop's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// messages returns the "msg" of every JSON log line at or above level.
func (s *syncBuffer) messages(t *testing.T) []string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var m struct{ Msg string }
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m.Msg)
	}
	return out
}

func withLog(r *rig, lvl slog.Level) *syncBuffer {
	var buf syncBuffer
	r.ctl.log = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: lvl}))
	return &buf
}

// TestPassLogLine: the daemon logs one line per pass with what it did and
// when the next pass is due, and at debug level what it saw and planned.
func TestPassLogLine(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "reconcile {\n schedule = \"*/10 * * * *\"\n verify_after = \"2m\"\n}\n")
	buf := withLog(r, slog.LevelDebug)
	r.ctl.passAtStart = true
	l := r.startLoop()
	l.step() // the verify pass at 10:02
	l.stop()
	msgs := buf.messages(t)
	want := []string{
		"pass 1: 1 applied, 0 held; 3 pairs not Ready; next at 10:02",
		"pass 2: 0 applied, 0 held; 0 pairs not Ready; next at 10:10",
		"pass observed", "pass planned",
	}
	for _, w := range want {
		found := false
		for _, m := range msgs {
			found = found || m == w
		}
		if !found {
			t.Errorf("no log line %q in:\n%s", w, strings.Join(msgs, "\n"))
		}
	}
}

const downScenario = `{"name": "down", "seed": 1, "servers": 2, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "cmdb_down", "from": "0s", "for": "1h"}]}`

func TestPassLineCMDBDown(t *testing.T) {
	r := newRig(t, scenario(t, downScenario), "")
	buf := withLog(r, slog.LevelInfo)
	r.ctl.logPass(r.pass())
	msgs := buf.messages(t)
	if len(msgs) == 0 || !strings.HasPrefix(msgs[len(msgs)-1], "pass 1: CMDB not read, nothing planned: ") {
		t.Errorf("log: %q", msgs)
	}
}

// TestFollowerSaysItIsOne: a daemon that cannot take the leader lock at
// its first pass logs that it is a follower, and its pass line says so.
func TestFollowerSaysItIsOne(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "")
	lockPath := r.dir + "/leader.lock"
	r.ctl.site.Lock = newFileLock(lockPath)
	r.pass() // r.ctl leads
	var buf syncBuffer
	b, err := New(Options{Policy: r.pol, Site: Site{CMDB: r.site, NS: r.site, Agents: r.site, Driver: r.site,
		Lock: newFileLock(lockPath)}, Clock: r.clk, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	res, _ := b.ReconcileOnce(context.Background())
	b.logPass(res)
	msgs := buf.messages(t)
	if len(msgs) != 2 || !strings.HasPrefix(msgs[0], "follower: another reconciler holds the leader lock") ||
		!strings.HasPrefix(msgs[1], "pass 1 (follower: observing only, another reconciler acts)") {
		t.Errorf("log: %q", msgs)
	}
}

// TestPassLineCountsTheLatestRead: with the read after the actions, the
// pass's line counts what is left, not what the pass started with.
func TestPassLineCountsTheLatestRead(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "")
	r.ctl.readAfter = true
	buf := withLog(r, slog.LevelInfo)
	r.ctl.logPass(r.pass())
	msgs := buf.messages(t)
	if last := msgs[len(msgs)-1]; !strings.HasPrefix(last, "pass 1: 1 applied, 0 held; 0 pairs not Ready; next at ") {
		t.Errorf("log: %q", msgs)
	}
}
