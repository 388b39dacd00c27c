package auditview

import (
	"fmt"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// localLayouts are the forms of a point in time typed without a zone: a
// date, or a date and a time of day; they are read in the location given.
var localLayouts = []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"}

// ParseWhen reads a point in time given to the flag --name: a positive Go
// duration counted back from now (2h), an RFC 3339 time
// (2026-03-01T02:00:00Z, with its own offset), or a date or date and time
// without a zone (2026-12-01, 2026-12-01T08:30), which is read in loc
// (UTC unless --local asks for local time). A date stands for its
// midnight. Empty means no bound.
func ParseWhen(name, s string, now time.Time, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, fmt.Errorf("--%s %q: want a positive duration (how long ago)", name, vocab.Clip(s))
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--%s %q: want a duration before now like 2h, a date like 2026-12-01, "+
		"a date and time like 2026-12-01T08:30 (UTC, or local time with --local), or an RFC 3339 time like 2026-03-01T02:00:00Z",
		name, vocab.Clip(s))
}

// Stamp formats a record's time for people, in loc, to the second:
// 2026-03-01T02:00:00Z in UTC, 2026-03-01T03:00:00+01:00 elsewhere.
func Stamp(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.RFC3339)
}
