package auditview

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/suggest"
	"github.com/itms-tools/reconciler/vocab"
)

// Filters are the filter flags of `reconciler audit` and `audit export`,
// as typed.
type Filters struct {
	Since, Until, Server, Kind, Outcome, Plan, Type, Pass string
	// Local reads zoneless times, and shows times, in the local time zone.
	Local bool
}

// Register adds the filter flags to fs.
func (f *Filters) Register(fs *flag.FlagSet) {
	when := "a duration before now (2h), a date (2026-12-01: its midnight), a date and time (2026-12-01T08:30), or RFC 3339"
	fs.StringVar(&f.Since, "since", "", "records at or after this: "+when)
	fs.StringVar(&f.Until, "until", "", "records before this: "+when)
	fs.BoolVar(&f.Local, "local", false, "dates and times without a zone, and the TIME column, in local time (default UTC)")
	fs.StringVar(&f.Server, "server", "", "records of this package server (case-insensitive), with the NS actions that served it; NS for the NS's actions")
	fs.StringVar(&f.Kind, "kind", "", "records of this action kind")
	fs.StringVar(&f.Outcome, "outcome", "", "records with this outcome: applied, failed, deferred, skipped, indeterminate")
	fs.StringVar(&f.Plan, "plan", "", "records of this plan id")
	fs.StringVar(&f.Type, "type", "", "records of this type: "+strings.Join(TypeNames(), ", "))
	fs.StringVar(&f.Pass, "pass", "", "records of this pass id")
}

// Location is the time zone the filters and the table use.
func (f *Filters) Location() *time.Location {
	if f.Local {
		return time.Local
	}
	return time.UTC
}

// Query validates the filters and turns them into an audit.Query; errors
// name the flag, with a "did you mean" for a mistyped kind or type. The
// Server filter is left to Row.Concerns (see Select), which also knows the
// NS actions that served a server.
func (f *Filters) Query(now time.Time) (audit.Query, error) {
	q := audit.Query{Plan: f.Plan, Pass: f.Pass, Outcome: f.Outcome}
	loc := f.Location()
	var err error
	if q.Since, err = ParseWhen("since", f.Since, now, loc); err != nil {
		return q, err
	}
	if q.Until, err = ParseWhen("until", f.Until, now, loc); err != nil {
		return q, err
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		return q, fmt.Errorf("--since %s is not before --until %s", Stamp(q.Since, loc), Stamp(q.Until, loc))
	}
	if f.Server != "" && !strings.EqualFold(f.Server, "NS") {
		if _, err := vocab.ParseHost(f.Server); err != nil {
			return q, fmt.Errorf("--server: %v", err)
		}
	}
	if f.Kind != "" {
		if _, err := actions.ParseKind(f.Kind); err != nil {
			return q, fmt.Errorf("--kind: %v%s", err, suggest.Hint(f.Kind, KindNames()))
		}
		q.Kind = f.Kind
	}
	switch audit.Outcome(f.Outcome) {
	case "", audit.Applied, audit.Failed, audit.Deferred, audit.Skipped, audit.Indeterminate:
	default:
		return q, fmt.Errorf("--outcome %q: want applied, failed, deferred, skipped or indeterminate", vocab.Clip(f.Outcome))
	}
	if f.Type != "" {
		if !knownType(f.Type) {
			return q, fmt.Errorf("--type %q%s: want one of %s", vocab.Clip(f.Type), suggest.Hint(f.Type, TypeNames()), strings.Join(TypeNames(), ", "))
		}
		q.Type = f.Type
	}
	return q, nil
}

// Select reads the journal at path and calls fn for every row that q and
// server select (Row.Concerns), in journal order.
func Select(path string, q audit.Query, server string, fn func(Row) error) error {
	var l Linker
	emit := func(rows []Row) error {
		for _, r := range rows {
			if q.Match(r.Record) && r.Concerns(server) {
				if err := fn(r); err != nil {
					return err
				}
			}
		}
		return nil
	}
	q.Server = ""
	if err := audit.ReadAll(path, func(r audit.Record) error { return emit(l.Add(r)) }); err != nil {
		return err
	}
	return emit(l.Flush())
}

func knownType(s string) bool {
	for _, t := range audit.Types {
		if string(t) == s {
			return true
		}
	}
	return false
}

// TypeNames lists the record types.
func TypeNames() []string {
	names := make([]string, len(audit.Types))
	for i, t := range audit.Types {
		names[i] = string(t)
	}
	return names
}

// KindNames lists the action kinds.
func KindNames() []string {
	names := make([]string, len(actions.Kinds))
	for i, k := range actions.Kinds {
		names[i] = string(k)
	}
	return names
}
