package rfc5424

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/itms-tools/reconciler/audit"
)

// Severities (RFC 5424 §6.2.1) used for records.
const (
	sevWarning = 4
	sevNotice  = 5
	sevInfo    = 6
)

// bom starts a message that is UTF-8 text (RFC 5424 §6.4).
const bom = "\xEF\xBB\xBF"

// Header is what every message of one sender shares.
type Header struct {
	Facility int    // 0–23
	Hostname string // printable ASCII, at most 255; "" is the nil value
	AppName  string // at most 48
	ProcID   string // at most 128
}

// Severity is the severity of a record: warning for what an admin must
// look at (a failed or indeterminate action, a recovery, the breaker, a
// rejected policy), notice for actions, info for the rest.
func Severity(r audit.Record) int {
	switch {
	case r.Outcome == audit.Failed || r.Outcome == audit.Indeterminate,
		r.Type == audit.TypeRecovered, r.Type == audit.TypeBreaker, r.Type == audit.TypePolicyRejected:
		return sevWarning
	case r.Type == audit.TypeIntent || r.Type == audit.TypeOutcome || r.Type == audit.TypeApproval:
		return sevNotice
	}
	return sevInfo
}

// Format renders r as one RFC 5424 message of at most max bytes (no
// transport framing). A record too large for max is sent as a summary
// (seq, time, type, kind, target, outcome, hash, "truncated": true), so a
// collector still sees it and can fetch the rest from the journal.
func Format(r audit.Record, h Header, max int) []byte {
	head := header(r, h)
	body, _ := json.Marshal(r) // a Record always encodes
	if len(head)+len(bom)+len(body) > max {
		body, _ = json.Marshal(map[string]any{"seq": r.Seq, "time": r.Time, "type": r.Type, "kind": r.Kind,
			"server": r.Server, "package": r.Package, "outcome": r.Outcome, "hash": r.Hash, "truncated": true})
	}
	out := make([]byte, 0, len(head)+len(bom)+len(body))
	return append(append(append(out, head...), bom...), body...)
}

// header is "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD ".
func header(r audit.Record, h Header) string {
	var b strings.Builder
	b.WriteByte('<')
	b.WriteString(strconv.Itoa(h.Facility*8 + Severity(r)))
	b.WriteString(">1 ")
	b.WriteString(r.Time.UTC().Format("2006-01-02T15:04:05.000000Z"))
	for _, f := range []struct {
		s   string
		max int
	}{{h.Hostname, 255}, {h.AppName, 48}, {h.ProcID, 128}, {string(r.Type), 32}} {
		b.WriteByte(' ')
		b.WriteString(field(f.s, f.max))
	}
	b.WriteString(" - ") // no structured data: the record is the message
	return b.String()
}

// field makes s a header field: printable US-ASCII without spaces, at most
// max characters, "-" when empty.
func field(s string, max int) string {
	out := make([]byte, 0, min(len(s), max))
	for i := 0; i < len(s) && len(out) < max; i++ {
		if c := s[i]; c >= 33 && c <= 126 {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "-"
	}
	return string(out)
}
