package vocab

import "testing"

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "pair", "0 pairs"},
		{1, "pair", "1 pair"},
		{2, "pair", "2 pairs"},
		{1, "note", "1 note"},
		{3, "pass", "3 passes"},
		{2, "entry", "2 entries"},
		{2, "day", "2 days"},
		{2, "status report", "2 status reports"},
		{1, "status report", "1 status report"},
		{2, "status", "2 statuses"},
	} {
		if got := Count(tc.n, tc.noun); got != tc.want {
			t.Errorf("Count(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}
