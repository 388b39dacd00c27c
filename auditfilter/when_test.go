package auditfilter

import (
	"strings"
	"testing"
	"time"
)

func TestWhen(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	plus1 := time.FixedZone("UTC+1", 3600)
	for _, tc := range []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2h", nil, now.Add(-2 * time.Hour)},
		{"2026-03-01T02:00:00Z", nil, time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)},
		{"2026-03-01T04:00:00+01:00", plus1, time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)},
		{"2026-12-01", nil, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-12-01", plus1, time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)},
		{"2026-12-01T08:30", nil, time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)},
		{"2026-12-01 08:30:15", plus1, time.Date(2026, 12, 1, 7, 30, 15, 0, time.UTC)},
		{"", nil, time.Time{}},
	} {
		got, err := When(tc.in, now, tc.loc)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("When(%q, %v) = %v, %v; want %v", tc.in, tc.loc, got, err, tc.want)
		}
	}
	for _, bad := range []string{"-2h", "0s", "yesterday", "2026-13-01", "01/12/2026"} {
		if _, err := When(bad, now, nil); err == nil {
			t.Errorf("When(%q) accepted", bad)
		}
	}
}

// TestQueryDatesServersAndHints: dates read in the filters' zone, a
// server that is no host name refused (NS is the NS), did-you-mean for a
// kind and a type.
func TestQueryDatesServersAndHints(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	q, err := Filters{Since: "2026-12-01"}.Query(now, Flag)
	if err != nil || !q.Since.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date: %v %v", q.Since, err)
	}
	for _, tc := range []struct {
		f    Filters
		want string
	}{
		{Filters{Server: "PS 8"}, "--server: "},
		{Filters{Kind: "delete_ps_snapshto"}, "(did you mean delete_ps_snapshot?)"},
		{Filters{Type: "intnet"}, `--type "intnet" (did you mean intent?)`},
	} {
		if _, err := tc.f.Query(now, Flag); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.f, err, tc.want)
		}
	}
	if _, err := (Filters{Server: "ns"}).Query(now, Flag); err != nil {
		t.Errorf("--server NS: %v", err)
	}
}

// FuzzWhen: any text is a time or an error; never a panic.
func FuzzWhen(f *testing.F) {
	for _, s := range []string{"2h", "-1s", "2026-12-01", "2026-12-01T08:30", "2026-12-01 08:30:15", "2026-03-01T02:00:00Z", "x", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := When(s, now, time.UTC)
		if s == "" && (err != nil || !got.IsZero()) {
			t.Errorf("empty: %v, %v", got, err)
		}
		if _, qerr := (Filters{Since: s}).Query(now, Flag); (err == nil) != (qerr == nil) && s != "" && err != nil {
			t.Errorf("%q: When %v, Query %v", s, err, qerr)
		}
	})
}
