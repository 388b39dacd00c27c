package auditview

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/inbox"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/vocab"
)

// TableOptions tune Table.
type TableOptions struct {
	// Loc is the time zone of the TIME column; nil is UTC.
	Loc *time.Location
	// Width is the terminal's width: cells are cut with "…" so that a
	// line fits. 0 (not a terminal) cuts nothing.
	Width int
}

// Table writes rows as an aligned table for people. Text from the journal
// is made safe for a terminal (no control characters).
type Table struct {
	w    io.Writer
	opt  TableOptions
	rows [][]string
}

// header is the table's first line.
var header = []string{"TIME", "SEQ", "TYPE", "OUTCOME", "KIND", "TARGET", "RULE/ERROR", "REASON"}

// On a terminal, TARGET and RULE/ERROR are cut at this width, so that the
// REASON column keeps room; REASON keeps at least minReason.
const (
	maxMiddle = 40
	minReason = 24
)

// NewTable returns a table writing to w.
func NewTable(w io.Writer, opt TableOptions) *Table { return &Table{w: w, opt: opt} }

// Add adds one row.
func (t *Table) Add(r Row) {
	cols := []string{Stamp(r.Time, t.opt.Loc), fmt.Sprint(r.Seq), string(r.Type), string(r.Outcome), r.Kind,
		Target(r), ruleOrError(r.Record), Note(r)}
	for i, s := range cols {
		cols[i] = Clean(s)
	}
	t.rows = append(t.rows, cols)
}

// Flush writes the table (nothing when no row was added).
func (t *Table) Flush() error {
	if len(t.rows) == 0 {
		return nil
	}
	all := append([][]string{header}, t.rows...)
	if t.opt.Width > 0 {
		fit(all, t.opt.Width)
	}
	widths := make([]int, len(header))
	for _, r := range all {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range all {
		b.Reset()
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		b.WriteByte('\n')
		if _, err := io.WriteString(t.w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// fit cuts the cells of a terminal table: TARGET and RULE/ERROR to
// maxMiddle, then REASON to what the line leaves.
func fit(rows [][]string, width int) {
	last := len(header) - 1
	for _, r := range rows {
		r[5], r[6] = cut(r[5], maxMiddle), cut(r[6], maxMiddle)
	}
	used := 0
	for i := range last {
		w := 0
		for _, r := range rows {
			w = max(w, utf8.RuneCountInString(r[i]))
		}
		used += w + 2
	}
	room := max(width-used, minReason)
	for _, r := range rows {
		r[last] = cut(r[last], room)
	}
}

// cut shortens s to n runes, the last one "…".
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n || n < 1 {
		return s
	}
	rs := []rune(s)
	return string(rs[:n-1]) + "…"
}

// Clean makes journal text safe for one table cell: no control
// characters (tabs and newlines would break the table, escapes would drive
// the terminal), "-" when empty.
func Clean(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return '?'
		}
		return r
	}, s)
}

// Target is the action's target as action ids spell it (PS001,
// PS001/{guid}, NS, NS/{guid}); an NS-level action names the servers it
// served: "NS → PS008, PS011". Empty for records of no action.
func Target(r Row) string {
	if r.Kind == "" {
		return ""
	}
	s := r.Server
	if s == "" {
		s = "NS"
	}
	if r.Package != "" {
		s += "/" + r.Package
	}
	if len(r.Served) > 0 {
		s += " → " + strings.Join(r.Served, ", ")
	}
	return s
}

func ruleOrError(r audit.Record) string {
	switch {
	case r.Rule != "" && r.Error != "":
		return r.Rule + ": " + r.Error
	case r.Error != "":
		return r.Error
	}
	return r.Rule
}

// operatorNote says who asked for a retry, pause or resume, of which
// server (every server when none), and why.
func operatorNote(r Row, reason string) string {
	of := r.Server
	if of == "" {
		of = "every server"
	}
	s := fmt.Sprintf("%s of %s by %s", r.Type, of, r.Actor.User)
	if reason != "" {
		s += ": " + reason
	}
	return s
}

// Note is the REASON column: the first reason's message (an outcome's
// from its intent), or what an approval, breaker or observation record
// says, or the detail's message member, or the detail itself.
func Note(r Row) string {
	if len(r.Reasons) > 0 {
		if n := len(r.Reasons); n > 1 {
			return fmt.Sprintf("%s (+%d more)", r.Reasons[0].Message, n-1)
		}
		return r.Reasons[0].Message
	}
	switch r.Type {
	case audit.TypeApproval:
		var d controller.ApprovalDetail
		if json.Unmarshal(r.Detail, &d) == nil {
			return fmt.Sprintf("by %s: %s", r.Actor.User, strings.Join(d.Actions, ", "))
		}
	case audit.TypeRetry, audit.TypePause, audit.TypeResume:
		var d inbox.OperatorDetail
		_ = json.Unmarshal(r.Detail, &d) // no detail: no reason given
		return operatorNote(r, d.Reason)
	case audit.TypeBreaker:
		var d controller.BreakerDetail
		if json.Unmarshal(r.Detail, &d) == nil {
			return d.State + ": " + d.Reason
		}
	case audit.TypeNotification:
		var d notify.Delivery
		if json.Unmarshal(r.Detail, &d) == nil {
			return fmt.Sprintf("%s %s %s (%s), attempt %d", d.Receiver, d.Outcome, d.Kind, d.Status, d.Attempt)
		}
	case audit.TypeAuthFailed:
		var d controller.AuthDetail
		if json.Unmarshal(r.Detail, &d) == nil {
			return fmt.Sprintf("%s user %s refused (secret from %s): no call uses it until it changes or the policy is reloaded",
				d.Source, d.User, d.From)
		}
	case audit.TypeObservation:
		var d controller.ObservationDetail
		if json.Unmarshal(r.Detail, &d) == nil {
			return observationNote(d)
		}
	}
	var d struct{ Message string }
	if json.Unmarshal(r.Detail, &d) == nil && d.Message != "" {
		return d.Message
	}
	return string(r.Detail)
}

func observationNote(d controller.ObservationDetail) string {
	if !d.OK {
		return "site not read: " + firstNonEmpty(d.CMDBError, d.NSError)
	}
	if d.Totals == nil {
		return "site read"
	}
	return fmt.Sprintf("%s in scope, %d healthy, %s not Ready", vocab.Count(d.Totals.Servers, "server"),
		d.Totals.Healthy, vocab.Count(d.Totals.NotReady, "pair"))
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
