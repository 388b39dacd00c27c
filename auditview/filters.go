package auditview

import (
	"flag"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/auditfilter"
)

// Register adds the filter flags of `reconciler audit` and `audit export`
// to fs, filling f; package auditfilter validates them (Filters.Query), as
// it does the web console's journal form.
func Register(fs *flag.FlagSet, f *auditfilter.Filters) {
	when := "a duration before now (2h), a date (2026-12-01: its midnight), a date and time (2026-12-01T08:30), or RFC 3339"
	fs.StringVar(&f.Since, "since", "", "records at or after this: "+when)
	fs.StringVar(&f.Until, "until", "", "records before this: "+when)
	fs.BoolVar(&f.Local, "local", false, "dates and times without a zone, and the TIME column, in local time (default UTC)")
	fs.StringVar(&f.Server, "server", "", "records of this package server (case-insensitive), with the NS actions that served it; NS for the NS's actions")
	fs.StringVar(&f.Kind, "kind", "", "records of this action kind")
	fs.StringVar(&f.Outcome, "outcome", "", "records with this outcome: applied, failed, deferred, skipped, indeterminate")
	fs.StringVar(&f.Plan, "plan", "", "records of this plan id")
	fs.StringVar(&f.Type, "type", "", "records of this type: "+auditfilter.TypeNames())
	fs.StringVar(&f.Pass, "pass", "", "records of this pass id")
}

// Select reads the journal at path and calls fn for every row that q
// selects, in journal order. q.Server is matched by Row.Concerns: the
// server's own actions and the NS actions that served it ("NS": the NS's
// actions).
func Select(path string, q audit.Query, fn func(Row) error) error {
	var l Linker
	server := q.Server
	q.Server = ""
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
	if err := audit.ReadAll(path, func(r audit.Record) error { return emit(l.Add(r)) }); err != nil {
		return err
	}
	return emit(l.Flush())
}
