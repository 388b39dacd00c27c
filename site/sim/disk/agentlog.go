package disk

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// logMessages are the sim's own agent.log events: source, severity, text.
var logMessages = map[world.LogKind][3]string{
	world.LogSent:         {"AeXPackageServer", "4", "Package status sent to the Notification Server"},
	world.LogAccessDenied: {"CreateDirectoryPath", "2", `Cannot create directory: ` + world.SigAccessDenied + ` C:\ProgramData\Symantec\Symantec Agent\Package Delivery`},
	world.LogTrust:        {"AeXPackageServer", "2", "Sending package status failed: " + world.TrustText},
	world.LogLocked:       {"AeXNetComms", "2", "Logon of the Agent Connectivity Credential failed: " + world.SigLocked + "."},
}

// formatLogEvent renders one event as one agent.log line, in the shape of
// the agent's events (KB 179719 shows two).
func formatLogEvent(host vocab.Host, epoch time.Time, e world.LogEvent) string {
	m := logMessages[e.Kind]
	return fmt.Sprintf("<event date='%s' severity='%s' hostName='%s' source='%s' module='AeXNSAgent.exe' "+
		"process='AeXNSAgent.exe' pid='4120' thread='5236' tickCount='%d' ><![CDATA[%s]]></event>\n",
		e.At.UTC().Format(time.Stamp), m[1], host, m[0], e.At.Sub(epoch).Milliseconds(), m[2])
}

// parseLogLine reads one agent.log line. The line is untrusted: it must be
// one <event ...><![CDATA[...]]></event> with quoted attributes, a date
// and a numeric severity; the message is only classified, never used.
func parseLogLine(line string) (world.LogKind, error) {
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

func classify(msg string) world.LogKind {
	switch {
	case strings.Contains(msg, world.SigTrust):
		return world.LogTrust
	case strings.Contains(msg, world.SigLocked):
		return world.LogLocked
	case strings.Contains(msg, world.SigAccessDenied):
		return world.LogAccessDenied
	case msg == logMessages[world.LogSent][2]:
		return world.LogSent
	}
	return world.LogOther
}
