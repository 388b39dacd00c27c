package disk

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/site/sim/world"
)

var (
	ctx = context.Background()
	t0  = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
)

// newStore lays out a healthy site of 2 servers x 3 packages in a
// temporary folder, every server in scope, with the plain guard.
func newStore(t *testing.T) (*Store, string) {
	t.Helper()
	sc, err := scenario.Parse("small.json", []byte(`{"servers": 2, "packages": 3, "credential": {"mode": "anonymous"}}`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cat := world.NewCatalog(sc, 1)
	st, err := New(dir, cat, []bool{true, true}, Guard{Check: layout.Check, Escape: layout.Escaped})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := &world.Meta{Scenario: sc.Name, Seed: 1, Epoch: t0, Duration: sc.Duration, Stuck: map[int]bool{}, Applied: map[actions.Kind]int{}}
	if err := st.WriteHealthy(ctx, m, world.NSSetting{Cred: sc.Credential, Version: 7}); err != nil {
		t.Fatal(err)
	}
	return st, dir
}

// TestLogRotation: agent.log is cut back to its last events when it grows
// past maxLogBytes, and what is left reads back.
func TestLogRotation(t *testing.T) {
	st, dir := newStore(t)
	rel := layout.AgentLog("PS001")
	line := formatLogEvent("PS001", t0, world.LogEvent{At: t0, Kind: world.LogTrust})
	big := strings.Repeat(line, maxLogBytes/len(line)+1)
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AppendLog(0, []world.LogEvent{{At: t0, Kind: world.LogSent}}); err != nil {
		t.Fatal(err)
	}
	tail, err := st.LogTail(0)
	if err := st.End(m); err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != world.LogTailEvents {
		t.Fatalf("%d lines after rotation", n)
	}
	if len(tail) != world.LogTailEvents || tail[len(tail)-1].Kind != world.LogSent {
		t.Fatalf("tail of %d events, last %+v", len(tail), tail[len(tail)-1])
	}
	if sigs := world.Signatures(tail); len(sigs) != 0 {
		t.Fatalf("signatures %v after a report went through", sigs)
	}
}
