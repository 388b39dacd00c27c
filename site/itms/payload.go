package itms

import (
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// The scripts, one per operation, and the prelude they share.
//
//go:embed scripts/*.ps1
var scriptFS embed.FS

// op names a script (scripts/<op>.ps1).
type op string

// The operations.
const (
	opLocateAgent         op = "locate_agent"
	opObserveAgent        op = "observe_agent"
	opObserveNS           op = "observe_ns"
	opObserveCredential   op = "observe_credential"
	opUpdateConfiguration op = "update_configuration"
	opResendStatus        op = "resend_status"
	opGrantACL            op = "grant_acl"
	opDeletePSSnapshot    op = "delete_ps_snapshot"
	opDeletePSStatus      op = "delete_ps_status"
	opDeleteNSSnapshot    op = "delete_ns_snapshot"
	opRunPackageRefresh   op = "run_package_refresh"
	opSetCredentialMode   op = "set_credential_mode"
)

var allOps = []op{
	opLocateAgent, opObserveAgent, opObserveNS, opObserveCredential, opUpdateConfiguration, opResendStatus,
	opGrantACL, opDeletePSSnapshot, opDeletePSStatus, opDeleteNSSnapshot, opRunPackageRefresh,
	opSetCredentialMode,
}

func scriptText(name string) (string, error) {
	b, err := scriptFS.ReadFile("scripts/" + name + ".ps1")
	if err != nil {
		return "", fmt.Errorf("embedded script %s: %w", name, err)
	}
	return string(b), nil
}

// bootstrap is the whole command line's PowerShell: it reads the script
// from stdin as base64 (a command line is limited to 8191 characters by
// cmd.exe, which the WinRM shell runs commands through) and runs it. It is
// fixed; nothing variable is ever in the command line.
const bootstrap = "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'; " +
	"$t = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String((@($input) -join '').Trim())); " +
	"& ([ScriptBlock]::Create($t))"

// commandLine is what the WinRM shell runs.
func commandLine() string {
	return "powershell.exe -NoProfile -NonInteractive -EncodedCommand " + encodeCommand(bootstrap)
}

// encodeCommand encodes PowerShell text for -EncodedCommand: UTF-16LE,
// then base64.
func encodeCommand(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// payloadHead and payloadBody frame an operation's script. The only
// variable text is the base64 of the JSON parameters, checked to hold
// nothing but the base64 alphabet, inside single quotes.
const (
	payloadHead = "# reconciler %s (site/itms). The parameters are the base64 JSON below; nothing else in this text varies.\n" +
		"$ReconcilerParameters = '%s'\n"
	payloadBody = "try {\n" +
		"    $P = [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ReconcilerParameters)) | ConvertFrom-Json\n" +
		"%s" +
		"} catch {\n" +
		"    Write-ReconcilerFailure $_\n" +
		"}\n"
)

// buildScript returns the script text for o with params, ready to send.
func buildScript(o op, params any) (string, error) {
	js, err := json.Marshal(params)
	if err != nil {
		return "", fmt.Errorf("%s: encode parameters: %w", o, err)
	}
	return assemble(o, base64.StdEncoding.EncodeToString(js))
}

// assemble frames o's script around the base64 parameters.
func assemble(o op, b64 string) (string, error) {
	if !isBase64Text(b64) {
		return "", errors.New("parameters: not base64") // cannot happen; guards the quoting
	}
	prelude, err := scriptText("prelude")
	if err != nil {
		return "", err
	}
	body, err := scriptText(string(o))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, payloadHead, o, b64)
	b.WriteString(prelude)
	fmt.Fprintf(&b, payloadBody, indent(body))
	return b.String(), nil
}

// stdinFor is what the bootstrap reads: the script as base64, one line.
func stdinFor(script string) []byte {
	return []byte(base64.StdEncoding.EncodeToString([]byte(script)) + "\r\n")
}

func isBase64Text(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '='
		if !ok {
			return false
		}
	}
	return true
}

func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if strings.TrimSpace(line) != "" {
			b.WriteString("    ")
		}
		b.WriteString(line)
	}
	if !strings.HasSuffix(s, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}
