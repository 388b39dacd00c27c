package controller

import (
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/guard"
)

// The reason of a pause comes from a request file: the hold text the plan
// and `reconciler pause` print keeps its control characters quoted.
func TestPauseReasonIsPrintable(t *testing.T) {
	p := guard.Hold{By: "alice", Since: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC), Reason: "swap\x1b[2J\rPS002 resumed"}
	got := PauseReason("PS002", p)
	if strings.ContainsAny(got, "\x1b\r") {
		t.Fatalf("hold text carries a control character: %q", got)
	}
	const want = `enforcement paused by alice since 2026-03-01 02:00Z: "swap\x1b[2J\rPS002 resumed" (` + "`reconciler resume PS002`" + ` releases it)`
	if got != want {
		t.Errorf("PauseReason = %q\nwant %q", got, want)
	}
}
