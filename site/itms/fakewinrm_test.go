package itms

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"
)

// fakeWinRM is a WS-Management server (httptest, TLS) that checks every
// envelope the driver sends: the action and resource URIs, the shell and
// command ids, the fixed command line, and the script read from stdin,
// which must be exactly an embedded script framed around base64 JSON
// parameters. It answers with the recorded-shape responses under
// testdata/wsman, stdout carrying what answer returns.
type fakeWinRM struct {
	t   *testing.T
	srv *httptest.Server
	// answer gives the script's stdout and exit code.
	answer func(s sentScript) (string, int)
	// timeoutFirst answers the first Receive with an OperationTimeout fault.
	timeoutFirst bool
	// onReceive runs when a Receive arrives, before it is answered; the
	// request is passed so a hook can wait for the client to give up.
	onReceive func(r *http.Request)
	// auth, when set, handles authentication and returns false when it
	// answered the request itself.
	auth func(w http.ResponseWriter, r *http.Request) bool
	// createFault answers Create with this testdata/wsman fault file.
	createFault string
	// oneShell makes a Create wait until the shell before it is deleted:
	// the server keeps one shell's state, so runs that may overlap (the
	// NS snapshots read beside an agent's, both on 127.0.0.1) take turns.
	oneShell bool
	shell    sync.Mutex

	mu       sync.Mutex
	actions  []string
	scripts  []sentScript
	authSeen []string
	stdin    bytes.Buffer
	received int
	stdout   string
	exit     int
}

// sentScript is a script as the server received it.
type sentScript struct {
	Op     string
	B64    string
	Params map[string]any
	Text   string
}

const (
	fakeShellID   = "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"
	fakeCommandID = "1B2C3D4E-5F60-7182-93A4-B5C6D7E8F901"
	wsAction      = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
	wsTransfer    = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
	shellResource = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
)

func newFakeWinRM(t *testing.T, answer func(sentScript) (string, int)) *fakeWinRM {
	return newFakeWinRMTLS(t, answer, nil)
}

// newFakeWinRMTLS is newFakeWinRM with its own TLS configuration (nil:
// httptest's certificate).
func newFakeWinRMTLS(t *testing.T, answer func(sentScript) (string, int), tc *tls.Config) *fakeWinRM {
	f := &fakeWinRM{t: t, answer: answer}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.TLS = tc
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS refusals are what some tests want
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

// wsRequest is the part of an envelope the server checks.
type wsRequest struct {
	To          string    `xml:"Header>To"`
	Action      string    `xml:"Header>Action"`
	ResourceURI string    `xml:"Header>ResourceURI"`
	Selectors   []wsNamed `xml:"Header>SelectorSet>Selector"`
	Options     []wsNamed `xml:"Header>OptionSet>Option"`
	Streams     string    `xml:"Body>Shell>InputStreams"`
	Command     string    `xml:"Body>CommandLine>Command"`
	Send        *wsStream `xml:"Body>Send>Stream"`
	Receive     *wsStream `xml:"Body>Receive>DesiredStream"`
	Signal      *wsSignal `xml:"Body>Signal"`
}

type wsNamed struct {
	Name  string `xml:"Name,attr"`
	Value string `xml:",chardata"`
}

type wsStream struct {
	Name      string `xml:"Name,attr"`
	CommandID string `xml:"CommandId,attr"`
	End       string `xml:"End,attr"`
	Data      string `xml:",chardata"`
}

type wsSignal struct {
	CommandID string `xml:"CommandId,attr"`
	Code      string `xml:"Code"`
}

func (f *fakeWinRM) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.authSeen = append(f.authSeen, r.Header.Get("Authorization"))
	f.mu.Unlock()
	if f.auth != nil && !f.auth(w, r) {
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req wsRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		f.fail(w, "malformed envelope: %v", err)
		return
	}
	if r.URL.Path != "/wsman" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/soap+xml") ||
		req.To != "https://"+r.Host+"/wsman" || req.ResourceURI != shellResource {
		f.fail(w, "bad request line, content type, To %q or resource %q", req.To, req.ResourceURI)
		return
	}
	f.dispatch(w, r, req)
}

func (f *fakeWinRM) dispatch(w http.ResponseWriter, r *http.Request, req wsRequest) {
	name := strings.TrimPrefix(strings.TrimPrefix(req.Action, wsAction), wsTransfer)
	f.mu.Lock()
	f.actions = append(f.actions, name)
	f.mu.Unlock()
	if name != "Create" && selector(req, "ShellId") != fakeShellID {
		f.fail(w, "%s: shell id %q", name, selector(req, "ShellId"))
		return
	}
	switch req.Action {
	case wsTransfer + "Create":
		if f.oneShell {
			f.shell.Lock() // until this shell's Delete
		}
		if !f.create(w, req) && f.oneShell {
			f.shell.Unlock() // no shell, no Delete to come
		}
	case wsAction + "Command":
		f.command(w, req)
	case wsAction + "Send":
		f.send(w, req)
	case wsAction + "Receive":
		f.receive(w, r, req)
	case wsAction + "Signal":
		if req.Signal == nil || req.Signal.CommandID != fakeCommandID || !strings.HasSuffix(req.Signal.Code, "/signal/terminate") {
			f.fail(w, "signal %+v", req.Signal)
			return
		}
		f.respond(w, http.StatusOK, "signal_response.xml", nil)
	case wsTransfer + "Delete":
		f.respond(w, http.StatusOK, "delete_response.xml", nil)
		if f.oneShell {
			f.shell.Unlock()
		}
	default:
		f.fail(w, "unexpected action %q", req.Action)
	}
}

func (f *fakeWinRM) create(w http.ResponseWriter, req wsRequest) bool {
	if option(req, "WINRS_CODEPAGE") != "65001" || strings.TrimSpace(req.Streams) != "stdin" {
		f.fail(w, "create: options %+v, streams %q", req.Options, req.Streams)
		return false
	}
	if f.createFault != "" {
		f.respond(w, http.StatusInternalServerError, f.createFault, nil)
		return false
	}
	f.respond(w, http.StatusOK, "create_response.xml", map[string]string{"ADDRESS": req.To})
	return true
}

func (f *fakeWinRM) command(w http.ResponseWriter, req wsRequest) {
	if got := strings.TrimSpace(req.Command); got != commandLine() {
		f.fail(w, "command line %q", got)
		return
	}
	enc := strings.TrimPrefix(commandLine(), "powershell.exe -NoProfile -NonInteractive -EncodedCommand ")
	if decodeUTF16(f.t, enc) != bootstrap {
		f.fail(w, "encoded command does not decode to the bootstrap")
		return
	}
	f.respond(w, http.StatusOK, "command_response.xml", nil)
}

func (f *fakeWinRM) send(w http.ResponseWriter, req wsRequest) {
	s := req.Send
	if s == nil || s.Name != "stdin" || s.CommandID != fakeCommandID {
		f.fail(w, "send %+v", s)
		return
	}
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s.Data))
	if err != nil {
		f.fail(w, "send: stream is not base64")
		return
	}
	f.mu.Lock()
	f.stdin.Write(data)
	var whole []byte
	if s.End == "true" {
		whole = append([]byte(nil), f.stdin.Bytes()...)
		f.stdin.Reset()
	}
	f.mu.Unlock()
	if whole != nil {
		script, err := f.decodeScript(whole)
		if err != nil {
			f.fail(w, "send: %v", err)
			return
		}
		out, exit := f.answer(script)
		f.mu.Lock()
		f.scripts = append(f.scripts, script)
		f.stdout, f.exit, f.received = out, exit, 0
		f.mu.Unlock()
	}
	f.respond(w, http.StatusOK, "send_response.xml", nil)
}

var (
	headRE   = regexp.MustCompile(`\A# reconciler ([a-z_]+) \(site/itms\)\.`)
	paramsRE = regexp.MustCompile(`(?m)^\$ReconcilerParameters = '([A-Za-z0-9+/=]*)'\r?$`)
)

// decodeScript checks stdin: one base64 line holding exactly an embedded
// script framed around base64 JSON parameters.
func (f *fakeWinRM) decodeScript(stdin []byte) (sentScript, error) {
	line := strings.TrimSuffix(string(stdin), "\r\n")
	raw, err := base64.StdEncoding.DecodeString(line)
	if err != nil {
		return sentScript{}, fmt.Errorf("stdin is not one base64 line")
	}
	text := string(raw)
	h, p := headRE.FindStringSubmatch(text), paramsRE.FindStringSubmatch(text)
	if h == nil || p == nil {
		return sentScript{}, fmt.Errorf("script has no reconciler head or parameters line")
	}
	want, err := assemble(op(h[1]), p[1])
	if err != nil || want != text {
		return sentScript{}, fmt.Errorf("script %s is not the embedded script around its parameters", h[1])
	}
	js, _ := base64.StdEncoding.DecodeString(p[1])
	s := sentScript{Op: h[1], B64: p[1], Text: text}
	if err := json.Unmarshal(js, &s.Params); err != nil {
		return sentScript{}, fmt.Errorf("parameters are not JSON: %v", err)
	}
	return s, nil
}

// receive answers the first poll (after an optional timeout fault) with
// half the output and Running, the next with the rest and Done.
func (f *fakeWinRM) receive(w http.ResponseWriter, r *http.Request, req wsRequest) {
	if req.Receive == nil || req.Receive.CommandID != fakeCommandID || req.Receive.Data != "stdout stderr" {
		f.fail(w, "receive %+v", req.Receive)
		return
	}
	if f.onReceive != nil {
		f.onReceive(r)
	}
	f.mu.Lock()
	f.received++
	n, out, exit := f.received, f.stdout, f.exit
	f.mu.Unlock()
	if f.timeoutFirst {
		if n == 1 {
			f.respond(w, http.StatusInternalServerError, "fault_timeout.xml", nil)
			return
		}
		n--
	}
	half := len(out) / 2
	if n == 1 {
		f.respond(w, http.StatusOK, "receive_running.xml", map[string]string{
			"STDOUT": b64(out[:half]), "STDERR": b64("#< CLIXML\r\n")})
		return
	}
	f.respond(w, http.StatusOK, "receive_done.xml", map[string]string{
		"STDOUT": b64(out[half:]), "EXIT_CODE": fmt.Sprint(exit)})
}

func (f *fakeWinRM) respond(w http.ResponseWriter, status int, file string, vars map[string]string) {
	data, err := os.ReadFile("testdata/wsman/" + file)
	if err != nil {
		f.fail(w, "%v", err)
		return
	}
	text := string(data)
	vars2 := map[string]string{"SHELL_ID": fakeShellID, "COMMAND_ID": fakeCommandID, "RELATES_TO": "uuid:00000000-0000-0000-0000-000000000000"}
	for k, v := range vars {
		vars2[k] = v
	}
	for k, v := range vars2 {
		text = strings.ReplaceAll(text, "{{"+k+"}}", v)
	}
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	w.WriteHeader(status)
	io.WriteString(w, text)
}

func (f *fakeWinRM) fail(w http.ResponseWriter, format string, args ...any) {
	f.t.Errorf("fake WinRM: "+format, args...)
	http.Error(w, "test failure", http.StatusBadRequest)
}

func (f *fakeWinRM) sent() []sentScript {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentScript(nil), f.scripts...)
}

func (f *fakeWinRM) seenActions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.actions...)
}

func (f *fakeWinRM) seenAuth() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.authSeen...)
}

func selector(req wsRequest, name string) string {
	for _, s := range req.Selectors {
		if s.Name == name {
			return s.Value
		}
	}
	return ""
}

func option(req wsRequest, name string) string {
	for _, o := range req.Options {
		if o.Name == name {
			return o.Value
		}
	}
	return ""
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func decodeUTF16(t *testing.T, enc string) string {
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(b)%2 != 0 {
		t.Errorf("not UTF-16LE base64: %q", enc)
		return ""
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(u))
}
