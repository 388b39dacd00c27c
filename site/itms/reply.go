package itms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// hresultAccessDenied is E_ACCESSDENIED. From the agent's COM object it is
// what the driver takes for "remote configuration forbidden by the agent's
// policy" (allowUpdateConfiguration="False"): unverified against a real
// agent, see docs/itms.md.
const hresultAccessDenied = "0x80070005"

// Refusal codes that retrying cannot cure: the controller stops retrying
// that target and shows the admin the message.
var terminalCodes = map[string]bool{
	"reparse_point":      true, // a junction or symbolic link on the way to a file
	"outside_root":       true, // a path the driver built is not below its folder (a bug)
	"not_a_file":         true,
	"not_a_folder":       true,
	"account_unknown":    true, // the account to grant does not resolve on the server
	"access_denied":      true, // the WinRM account lacks the rights
	"com_forbidden":      true, // the agent refuses remote configuration
	"task_not_found":     true,
	"task_ambiguous":     true,
	"tree_too_large":     true, // grant_acl would propagate through more entries than the policy allows
	"bad_command_output": true, // the admin's credential command breaks its contract
}

// scriptError is a script's {"ok":false,...} reply.
type scriptError struct {
	op      op
	host    vocab.Host
	code    string
	message string
}

func (e *scriptError) Error() string {
	return fmt.Sprintf("%s on %s: %s (%s)", e.op, e.host, vocab.Clip(oneLine(e.message)), e.code)
}

// Terminal implements observed.TerminalError and failure's classification.
func (e *scriptError) Terminal() bool { return terminalCodes[e.code] }

// replyHead is what every reply starts with.
type replyHead struct {
	OK      *bool  `json:"ok"`
	Code    string `json:"code"`
	Error   string `json:"error"`
	HResult string `json:"hresult"`
}

// decodeReply checks that stdout is one JSON object, turns an ok=false
// reply into a *scriptError, and decodes an ok=true reply into dst,
// refusing fields dst does not know (a script and its parser must agree).
func decodeReply(o op, host vocab.Host, stdout []byte, dst any) error {
	data := bytes.TrimSpace(bytes.TrimPrefix(stdout, []byte("\xef\xbb\xbf")))
	var head replyHead
	if err := decodeOne(data, &head, false); err != nil || head.OK == nil {
		return fmt.Errorf("%s on %s: reply is not one JSON object with an ok field: %q", o, host, vocab.Clip(oneLine(string(data))))
	}
	if !*head.OK {
		code := head.Code
		if code == "com_error" && strings.EqualFold(head.HResult, hresultAccessDenied) {
			code = "com_forbidden"
		}
		if code == "" {
			code = "unknown"
		}
		return &scriptError{op: o, host: host, code: code, message: head.Error}
	}
	if err := decodeOne(data, dst, true); err != nil {
		return fmt.Errorf("%s on %s: malformed reply: %w", o, host, err)
	}
	return nil
}

// decodeOne decodes exactly one JSON value from data.
func decodeOne(data []byte, dst any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// okReply is the reply of operations that return nothing else.
type okReply struct {
	OK bool `json:"ok"`
}
