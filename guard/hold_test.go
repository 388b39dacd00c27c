package guard

import (
	"testing"
	"time"
)

// A pause's text names who, since when and why, and never carries a
// control character from the request file that set it.
func TestHoldString(t *testing.T) {
	since := time.Date(2026, 3, 1, 2, 0, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		hold Hold
		want string
	}{
		{Hold{By: "alice", Since: since, Reason: "disk swap"}, "by alice since 2026-03-01 01:00Z: disk swap"},
		{Hold{By: "alice"}, "by alice"},
		{Hold{By: "alice", Reason: "x\x1b[2Jy"}, `by alice: "x\x1b[2Jy"`},
		{Hold{By: "bob\nPS002 resumed"}, `by "bob\nPS002 resumed"`},
	}
	for _, tc := range tests {
		if got := tc.hold.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
