// Package auditfilter turns the journal filters an admin types — on the
// command line (`reconciler audit --kind … --since 2h`) or in the web
// console's journal form — into an audit.Query. It owns their validation,
// so that both say the same thing about the same bad value. It reads no
// file and keeps no state.
package auditfilter

import (
	"fmt"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/vocab"
)

// Filters are the raw, untrusted filter values, as typed. Empty means no
// filter.
type Filters struct {
	Since, Until, Server, Kind, Outcome, Plan, Type, Pass string
}

// Names are the filters' names, in the order forms and help list them.
var Names = []string{"since", "until", "server", "kind", "outcome", "type", "plan", "pass"}

// Error is a filter value that is not valid. Field is the filter's name
// (since, kind…); the message says what is wanted.
type Error struct {
	Field string
	// Msg names the field as the Style asks, quotes the value (clipped)
	// and says what is wanted.
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// Style is how errors name a field: Flag as a command-line flag
// (--since), Field as a form field (since).
type Style int

// Styles of field names in errors.
const (
	Flag Style = iota
	Field
)

func (s Style) prefix() string {
	if s == Flag {
		return "--"
	}
	return ""
}

// Query validates the filters and turns them into an audit.Query. A time
// is a positive Go duration counted back from now (2h) or an RFC 3339 time;
// since must be before until. The first bad value is the error.
func (f Filters) Query(now time.Time, style Style) (audit.Query, error) {
	q := audit.Query{Server: f.Server, Plan: f.Plan, Pass: f.Pass, Outcome: f.Outcome}
	p := style.prefix()
	bad := func(field, value, msg string) error {
		return &Error{Field: field, Msg: fmt.Sprintf("%s%s %q: %s", p, field, clip(value), msg)}
	}
	var err error
	if q.Since, err = when(f.Since, now); err != nil {
		return q, bad("since", f.Since, err.Error())
	}
	if q.Until, err = when(f.Until, now); err != nil {
		return q, bad("until", f.Until, err.Error())
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		return q, &Error{Field: "since", Msg: fmt.Sprintf("%ssince %s is not before %suntil %s", p, stamp(q.Since), p, stamp(q.Until))}
	}
	if f.Kind != "" {
		if _, err := actions.ParseKind(f.Kind); err != nil {
			return q, &Error{Field: "kind", Msg: fmt.Sprintf("%skind: %v", p, err)}
		}
		q.Kind = f.Kind
	}
	switch audit.Outcome(f.Outcome) {
	case "", audit.Applied, audit.Failed, audit.Deferred, audit.Skipped, audit.Indeterminate:
	default:
		return q, bad("outcome", f.Outcome, "want applied, failed, deferred, skipped or indeterminate")
	}
	if f.Type != "" {
		if !KnownType(f.Type) {
			return q, bad("type", f.Type, "want one of "+TypeNames())
		}
		q.Type = f.Type
	}
	return q, nil
}

// when reads a point in time: a positive Go duration counted back from
// now, or an RFC 3339 time. Empty means no bound.
func when(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, fmt.Errorf("want a positive duration (how long ago)")
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want a duration before now like 2h, or an RFC 3339 time like 2026-03-01T02:00:00Z")
	}
	return t, nil
}

// KnownType reports whether s names a journal record type.
func KnownType(s string) bool {
	for _, t := range audit.Types {
		if string(t) == s {
			return true
		}
	}
	return false
}

// TypeNames lists the record types, comma-separated.
func TypeNames() string {
	names := make([]string, len(audit.Types))
	for i, t := range audit.Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// Outcomes lists the outcomes a filter may name.
var Outcomes = []audit.Outcome{audit.Applied, audit.Failed, audit.Deferred, audit.Skipped, audit.Indeterminate}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// clip keeps an untrusted value short and printable for a message.
func clip(s string) string { return vocab.Clip(s) }
