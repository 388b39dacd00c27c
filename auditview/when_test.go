package auditview

import (
	"strings"
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	for _, tc := range []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2h", nil, now.Add(-2 * time.Hour)},
		{"2026-03-01T02:00:00Z", nil, time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)},
		{"2026-03-01T04:00:00+01:00", paris, time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)},
		{"2026-12-01", nil, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-12-01", paris, time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)},
		{"2026-12-01T08:30", nil, time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)},
		{"2026-12-01 08:30:15", paris, time.Date(2026, 12, 1, 7, 30, 15, 0, time.UTC)},
		{"", nil, time.Time{}},
	} {
		got, err := ParseWhen("since", tc.in, now, tc.loc)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseWhen(%q, %v) = %v, %v; want %v", tc.in, tc.loc, got, err, tc.want)
		}
	}
	for _, bad := range []string{"-2h", "0s", "yesterday", "2026-13-01", "01/12/2026"} {
		if _, err := ParseWhen("until", bad, now, nil); err == nil || !strings.HasPrefix(err.Error(), "--until ") {
			t.Errorf("ParseWhen(%q) = %v, want an error naming --until", bad, err)
		}
	}
	if got := Stamp(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC), paris); got != "2026-03-01T03:00:00+01:00" {
		t.Errorf("Stamp = %s", got)
	}
}

// FuzzParseWhen: any text is a time, or an error naming the flag; never
// a panic.
func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{"2h", "-1s", "2026-12-01", "2026-12-01T08:30", "2026-12-01 08:30:15", "2026-03-01T02:00:00Z", "x", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseWhen("since", s, now, time.UTC)
		if err != nil && !strings.HasPrefix(err.Error(), "--since ") {
			t.Errorf("ParseWhen(%q): error %q does not name the flag", s, err)
		}
		if s == "" && (err != nil || !got.IsZero()) {
			t.Errorf("empty: %v, %v", got, err)
		}
	})
}
