package sim

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// Error signatures of KB 179719 that an agent observation reports
// (AgentFacts.LogSignatures), as the KB spells them.
const (
	SigAccessDenied = "0x80070005 [Access is denied]"
	SigTrust        = "trust relationship between this workstation and the primary domain failed(1789)"
)

// trustText is the error a refused report leaves in SWDPackageServer.Error.
const trustText = "The " + SigTrust + "."

// logMessages are the sim's own agent.log events: source, severity, text.
var logMessages = map[logKind][3]string{
	logSent:         {"AeXPackageServer", "4", "Package status sent to the Notification Server"},
	logAccessDenied: {"CreateDirectoryPath", "2", `Cannot create directory: ` + SigAccessDenied + ` C:\ProgramData\Symantec\Symantec Agent\Package Delivery`},
	logTrust:        {"AeXPackageServer", "2", "Sending package status failed: " + trustText},
}

// formatLogEvent renders one event as one agent.log line, in the shape of
// the agent's events (KB 179719 shows two).
func formatLogEvent(host vocab.Host, epoch time.Time, e logEvent) string {
	m := logMessages[e.Kind]
	return fmt.Sprintf("<event date='%s' severity='%s' hostName='%s' source='%s' module='AeXNSAgent.exe' "+
		"process='AeXNSAgent.exe' pid='4120' thread='5236' tickCount='%d' ><![CDATA[%s]]></event>\n",
		e.At.UTC().Format(time.Stamp), m[1], host, m[0], e.At.Sub(epoch).Milliseconds(), m[2])
}

// parseLogLine reads one agent.log line. The line is untrusted: it must be
// one <event ...><![CDATA[...]]></event> with quoted attributes, a date
// and a numeric severity; the message is only classified, never used.
func parseLogLine(line string) (logKind, error) {
	const open, cdata, closing = "<event ", "<![CDATA[", "]]></event>"
	if !strings.HasPrefix(line, open) || !strings.HasSuffix(line, closing) {
		return 0, errors.New("not an <event> line")
	}
	body := strings.TrimSuffix(strings.TrimPrefix(line, open), closing)
	i := strings.Index(body, cdata)
	if i < 0 {
		return 0, errors.New("no CDATA message")
	}
	head := strings.TrimSpace(body[:i])
	if !strings.HasSuffix(head, ">") {
		return 0, errors.New("unterminated <event> tag")
	}
	attrs, err := parseLogAttrs(strings.TrimSpace(strings.TrimSuffix(head, ">")))
	if err != nil {
		return 0, err
	}
	if attrs["date"] == "" || attrs["severity"] == "" || strings.Trim(attrs["severity"], "0123456789") != "" {
		return 0, errors.New("missing date or severity")
	}
	msg := body[i+len(cdata):]
	if strings.Contains(msg, "]]>") {
		return 0, errors.New("CDATA closed twice")
	}
	return classify(msg), nil
}

// parseLogAttrs reads name='value' pairs separated by spaces.
func parseLogAttrs(s string) (map[string]string, error) {
	attrs := map[string]string{}
	for s != "" {
		eq := strings.Index(s, "='")
		if eq <= 0 || strings.ContainsAny(s[:eq], " '<>") {
			return nil, fmt.Errorf("malformed attribute near %q", vocab.Clip(s))
		}
		name := s[:eq]
		rest := s[eq+2:]
		end := strings.IndexByte(rest, '\'')
		if end < 0 {
			return nil, fmt.Errorf("unterminated attribute %q", vocab.Clip(name))
		}
		if _, dup := attrs[name]; dup {
			return nil, fmt.Errorf("attribute %q given twice", vocab.Clip(name))
		}
		attrs[name] = rest[:end]
		s = strings.TrimLeft(rest[end+1:], " ")
	}
	return attrs, nil
}

func classify(msg string) logKind {
	switch {
	case strings.Contains(msg, SigTrust):
		return logTrust
	case strings.Contains(msg, SigAccessDenied):
		return logAccessDenied
	case msg == logMessages[logSent][2]:
		return logSent
	}
	return logOther
}

// signatures returns the KB error signatures logged since the last report
// that went through, in a fixed order: what the agent's log says is
// wrong now, not what was wrong before it was fixed.
func signatures(evs []logEvent) []string {
	var denied, trust bool
	for _, e := range evs {
		switch e.Kind {
		case logSent:
			denied, trust = false, false
		case logAccessDenied:
			denied = true
		case logTrust:
			trust = true
		}
	}
	var out []string
	if denied {
		out = append(out, SigAccessDenied)
	}
	if trust {
		out = append(out, SigTrust)
	}
	return out
}
