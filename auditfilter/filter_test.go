package auditfilter

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)

func TestQuery(t *testing.T) {
	tests := []struct {
		name  string
		f     Filters
		style Style
		err   string // "" valid
		check func(t *testing.T, f Filters)
	}{
		{name: "empty matches all", f: Filters{}},
		{name: "duration since", f: Filters{Since: "2h", Until: "30m", Kind: "grant_acl", Outcome: "applied", Type: "outcome"}},
		{name: "rfc3339", f: Filters{Since: "2026-03-01T01:00:00Z"}},
		{name: "flag style names the flag", f: Filters{Since: "yesterday"}, style: Flag, err: `--since "yesterday": want a duration before now like 2h`},
		{name: "field style names the field", f: Filters{Since: "yesterday"}, style: Field, err: `since "yesterday": want a duration`},
		{name: "negative", f: Filters{Until: "-1h"}, style: Field, err: `until "-1h": want a positive duration`},
		{name: "since after until", f: Filters{Since: "1h", Until: "2h"}, style: Field, err: "since 2026-03-01T03:00:00Z is not before until 2026-03-01T02:00:00Z"},
		{name: "kind", f: Filters{Kind: "reboot"}, style: Flag, err: `--kind: unknown action kind "reboot"`},
		{name: "outcome", f: Filters{Outcome: "<b>x</b>"}, style: Field, err: `outcome "<b>x</b>": want applied`},
		{name: "type", f: Filters{Type: "bogus"}, style: Field, err: `type "bogus": want one of intent, outcome`},
		{name: "long value clipped", f: Filters{Type: strings.Repeat("x", 500)}, style: Field, err: `…": want one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.f.Query(now, tt.style)
			if tt.err == "" {
				if err != nil {
					t.Fatalf("Query: %v", err)
				}
				if tt.f.Since == "2h" && !q.Since.Equal(now.Add(-2*time.Hour)) {
					t.Errorf("since %v", q.Since)
				}
				return
			}
			var fe *Error
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want *Error containing %q", err, tt.err)
			}
			if len(err.Error()) > 400 { // the value is clipped; the list of record types is not
				t.Errorf("error not clipped: %d bytes", len(err.Error()))
			}
		})
	}
}
