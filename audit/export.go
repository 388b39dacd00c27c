package audit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CSVHeader names the columns of CSVRow, in order.
var CSVHeader = []string{"seq", "time", "type", "pass", "plan", "action", "kind", "server", "package",
	"mode", "account", "rule", "outcome", "error", "actor_host", "actor_user", "actor_pid", "reasons",
	"detail", "prev", "hash"}

// CSVRow renders r as one row of CSVHeader's columns: the time in RFC 3339
// with nanoseconds, reasons and detail as compact JSON, empty cells for
// empty members. Text from the journal (package names, errors) is made
// safe where the export is opened: a cell that a spreadsheet would run as
// a formula (one starting with =, +, -, @, a tab or a carriage return)
// gets a leading single quote, and control characters other than tab and
// newline (a terminal escape) are written as \xNN.
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
		row[i] = safeCell(c)
	}
	return row
}

func safeCell(s string) string {
	if s == "" {
		return s
	}
	if strings.IndexFunc(s, isControl) >= 0 {
		var b strings.Builder
		for _, r := range s {
			if isControl(r) {
				fmt.Fprintf(&b, "\\x%02x", r)
			} else {
				b.WriteRune(r)
			}
		}
		s = b.String()
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// isControl is a C0 or C1 control character other than tab and newline.
func isControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n') || r >= 0x7f && r < 0xa0
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
