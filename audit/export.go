package audit

import (
	"encoding/json"
	"strconv"
	"time"
)

// CSVHeader names the columns of CSVRow, in order.
var CSVHeader = []string{"seq", "time", "type", "pass", "plan", "action", "kind", "server", "package",
	"mode", "account", "rule", "outcome", "error", "actor_host", "actor_user", "actor_pid", "reasons",
	"detail", "prev", "hash"}

// CSVRow renders r as one row of CSVHeader's columns: the time in RFC 3339
// with nanoseconds, reasons and detail as compact JSON, empty cells for
// empty members. A cell that a spreadsheet would run as a formula (one
// starting with =, +, -, @, a tab or a carriage return) gets a leading
// single quote, so that text from the journal (package names, errors)
// cannot become a formula where the export is opened.
func CSVRow(r Record) []string {
	var reasons string
	if len(r.Reasons) > 0 {
		b, _ := json.Marshal(r.Reasons) // plain strings: cannot fail
		reasons = string(b)
	}
	pid := ""
	if r.Actor.PID != 0 {
		pid = strconv.Itoa(r.Actor.PID)
	}
	row := []string{strconv.FormatInt(r.Seq, 10), r.Time.UTC().Format(time.RFC3339Nano), string(r.Type),
		r.Pass, r.Plan, r.Action, r.Kind, r.Server, r.Package, r.Mode, r.Account, r.Rule, string(r.Outcome),
		r.Error, r.Actor.Host, r.Actor.User, pid, reasons, string(r.Detail), r.Prev, r.Hash}
	for i, c := range row {
		row[i] = noFormula(c)
	}
	return row
}

func noFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Scrub returns r with secrets removed from every string as Append does
// (the values given, their escaped forms, password= pairs and URL
// passwords), for output that leaves the process: an export, a forwarded
// record. Records are scrubbed when written; this is a second line of
// defence for records written by older versions. A record whose detail
// cannot be scrubbed keeps its members with the detail replaced by a note.
func Scrub(r Record, secrets []string) Record {
	s := newScrubber(secrets)
	out, err := s.record(r)
	if err != nil {
		r.Detail = JSON("detail not shown: " + err.Error())
		out, _ = s.record(r)
	}
	return out
}
