package estateview_test

import (
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/estateview"
	"github.com/itms-tools/reconciler/estateview/estatetest"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/inbox"
)

// trustScenario: PS001's domain trust is broken; nothing fixes it.
const trustScenario = `{"name": "trust", "seed": 1, "servers": 2, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "duration": "168h",
  "faults": [{"kind": "trust_broken", "servers": ["PS001"]}]}`

// TestViewShowsTheLadder: a stalled server is Stalled True (with what to
// do) on rung 3; a pause shows who paused it and why; a retry unstalls.
func TestViewShowsTheLadder(t *testing.T) {
	r := estatetest.New(t, trustScenario, "")
	for i := 0; r.Ctl.Ladder().Stalled()["PS001"] == ""; i++ {
		if i == 200 {
			t.Fatal("PS001 never stalled")
		}
		r.Pass(10 * time.Minute)
	}
	r.Pass(time.Minute)
	s, _ := r.View.Snapshot().Server("PS001")
	c := s.Condition(estateview.Stalled)
	if c.Status != "True" || c.Reason != guard.StallTrustBroken || !strings.Contains(c.Message, "Test-ComputerSecureChannel") || s.Rung != "3" {
		t.Fatalf("stalled PS001 in the view: %+v on rung %q", c, s.Rung)
	}
	if ps2, _ := r.View.Snapshot().Server("PS002"); ps2.Condition(estateview.Stalled).Status != "False" || ps2.Paused != "" {
		t.Errorf("healthy PS002: %+v, paused %q", ps2.Condition(estateview.Stalled), ps2.Paused)
	}
	for _, req := range []inbox.Request{{Type: audit.TypeRetry, Server: "PS001"}, {Type: audit.TypePause, Server: "PS002", Reason: "disk swap"}} {
		req.At = r.Clock.Now()
		if _, err := inbox.Submit(r.Policy.Audit.Path, req); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Ctl.Ingest(r.Policy.Audit.Path); err != nil {
		t.Fatal(err)
	}
	r.Pass(time.Minute)
	snap := r.View.Snapshot()
	if s, _ := snap.Server("PS001"); s.Condition(estateview.Stalled).Status != "False" || s.Rung == "3" {
		t.Errorf("PS001 after a retry: %+v on rung %q", s.Condition(estateview.Stalled), s.Rung)
	}
	if ps2, _ := snap.Server("PS002"); !strings.HasPrefix(ps2.Paused, "paused by "+audit.CurrentActor().User) || !strings.Contains(ps2.Paused, "disk swap") {
		t.Errorf("paused PS002: %q", ps2.Paused)
	}
}
