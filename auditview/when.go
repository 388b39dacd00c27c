package auditview

import "time"

// Stamp formats a record's time for people, in loc, to the second:
// 2026-03-01T02:00:00Z in UTC, 2026-03-01T03:00:00+01:00 elsewhere.
func Stamp(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.RFC3339)
}
