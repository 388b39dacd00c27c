package itms

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/vocab"
	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// Limits of one script run.
const (
	maxStdout     = 32 << 20 // a reply larger than this is refused
	maxStderr     = 64 << 10 // kept for error messages only
	maxEnvelope   = 8 << 20  // one WS-Management response
	stdinChunk    = 32 << 10 // bytes of stdin per Send (base64 grows it by a third)
	cleanupBudget = 10 * time.Second
)

// wsParams are the WS-Management envelope settings: a 20 s operation
// timeout bounds each Receive long poll, so a cancelled run is noticed
// between polls as well as through the request's context.
var wsParams = winrm.NewParameters("PT20S", "en-US", 153600)

// wsman runs commands on Windows hosts over WS-Management (the WinRM
// shell protocol), building and parsing messages with masterzen/winrm and
// sending them with a context-aware HTTP client, so that every request is
// bound to the caller's deadline. masterzen/winrm's own Client.Run has no
// context at this version, and its output pipes are unbounded.
type wsman struct {
	http    httpSettings
	scheme  string
	port    int
	timeout time.Duration // per run

	mu    sync.RWMutex
	creds winrmCreds
}

// winrmCreds are what a run logs on with: NTLM or Kerberos with its
// secret, and the login they make, which a refused logon names.
type winrmCreds struct {
	auth   wsAuth
	secret string        // the password or the keytab's bytes: a change is a new login
	login  failure.Login // the user and the secret's fingerprint
}

// current returns the credentials in use.
func (w *wsman) current() winrmCreds {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.creds
}

// setCreds replaces the credentials for the runs that start after.
func (w *wsman) setCreds(c winrmCreds) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.creds = c
}

// runResult is what a command left behind.
type runResult struct {
	stdout, stderr []byte
	exitCode       int
}

// run executes command on host with stdin, and returns its output once it
// ends. The shell is always closed, within a short budget of its own when
// ctx has ended.
func (w *wsman) run(ctx context.Context, host vocab.Host, command string, stdin []byte) (runResult, error) {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	creds := w.current() // one account for the whole run
	client, watch, closeIdle := w.http.newHTTPClient(creds.auth)
	defer closeIdle()
	s := &wsSession{w: w, creds: creds, client: client, watch: watch, host: host,
		url: w.scheme + "://" + net.JoinHostPort(string(host), strconv.Itoa(w.port)) + "/wsman"}
	resp, err := s.post(ctx, "create shell", winrm.NewOpenShellRequest(s.url, wsParams))
	if err == nil {
		s.shell, err = parseID(winrm.ParseOpenShellResponse(resp))
	}
	if err != nil {
		return runResult{}, fmt.Errorf("create shell: %w", err)
	}
	defer s.cleanup(ctx)
	resp, err = s.post(ctx, "command", winrm.NewExecuteCommandRequest(s.url, s.shell, command, nil, wsParams))
	if err == nil {
		s.command, err = parseID(winrm.ParseExecuteCommandResponse(resp))
	}
	if err != nil {
		return runResult{}, fmt.Errorf("start command: %w", err)
	}
	if err := s.send(ctx, stdin); err != nil {
		return runResult{}, err
	}
	return s.receive(ctx)
}

// wsSession is one shell on one host.
type wsSession struct {
	w              *wsman
	creds          winrmCreds // one account for the whole run
	client         *http.Client
	watch          *wireWatch
	host           vocab.Host
	url            string
	shell, command string
}

func parseID(id string, err error) (string, error) {
	if err != nil {
		return "", fmt.Errorf("malformed response: %w", err)
	}
	if id == "" {
		return "", errors.New("malformed response: no id")
	}
	return id, nil
}

// send writes stdin in chunks and marks its end.
func (s *wsSession) send(ctx context.Context, stdin []byte) error {
	for first := true; first || len(stdin) > 0; first = false {
		n := min(len(stdin), stdinChunk)
		msg := winrm.NewSendInputRequest(s.url, s.shell, s.command, stdin[:n], n == len(stdin), wsParams)
		if _, err := s.post(ctx, "send", msg); err != nil {
			return fmt.Errorf("send input: %w", err)
		}
		stdin = stdin[n:]
	}
	return nil
}

// receive polls for output until the command is done.
func (s *wsSession) receive(ctx context.Context) (runResult, error) {
	stdout := &capWriter{max: maxStdout}
	stderr := &capWriter{max: maxStderr, quiet: true}
	for {
		resp, err := s.post(ctx, "receive", winrm.NewGetOutputRequest(s.url, s.shell, s.command, "stdout stderr", wsParams))
		if errors.Is(err, errOperationTimeout) {
			continue // no output within the operation timeout: poll again
		}
		if err != nil {
			return runResult{}, fmt.Errorf("receive output: %w", err)
		}
		done, code, err := winrm.ParseSlurpOutputErrResponse(resp, stdout, stderr)
		if err != nil {
			return runResult{}, fmt.Errorf("receive output: malformed response: %w", err)
		}
		if stdout.over {
			return runResult{}, fmt.Errorf("receive output: more than %d bytes", maxStdout)
		}
		if done {
			return runResult{stdout: stdout.buf.Bytes(), stderr: stderr.buf.Bytes(), exitCode: code}, nil
		}
	}
}

// cleanup terminates the command and deletes the shell, detached from the
// run's cancellation so that a timed-out run does not leak a remote shell.
func (s *wsSession) cleanup(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupBudget)
	defer cancel()
	if s.command != "" {
		_, _ = s.post(ctx, "signal", winrm.NewSignalRequest(s.url, s.shell, s.command, wsParams))
	}
	_, _ = s.post(ctx, "delete shell", winrm.NewDeleteShellRequest(s.url, s.shell, wsParams))
}

// errOperationTimeout is the WS-Management fault for a Receive that saw no
// output within the operation timeout; it is not an error of the run.
var errOperationTimeout = errors.New("WS-Management operation timeout")

// post sends one envelope and returns the response body. The credentials
// are set by the run's wsAuth (for NTLM, as Basic credentials on the
// request, which the negotiator turns into an NTLM exchange; the wireWatch
// keeps them from ever being sent as such).
func (s *wsSession) post(ctx context.Context, what string, msg *soap.SoapMessage) (string, error) {
	body := msg.String()
	msg.Free()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, strings.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	if err := s.creds.auth.authorize(req, s.host); err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	logons := s.watch.logons.Load()
	resp, err := s.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxEnvelope+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("%s: read response: %w", what, err)
	case len(data) > maxEnvelope:
		return "", fmt.Errorf("%s: response larger than %d bytes", what, maxEnvelope)
	case resp.StatusCode == http.StatusOK:
		return string(data), nil
	case resp.StatusCode == http.StatusUnauthorized:
		return "", s.unauthorized(what, resp.Header, s.watch.logons.Load() > logons)
	}
	if f, ok := parseFault(data); ok {
		if f.timedOut() {
			return "", errOperationTimeout
		}
		return "", fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, f)
	}
	return "", fmt.Errorf("%s: HTTP %d", what, resp.StatusCode)
}

// unauthorized words a final 401. After an NTLM AUTHENTICATE or a
// Kerberos ticket it is a refused logon (a wrong password, a locked or
// disabled account, a ticket the server does not accept): a
// failure.AuthError, on which the controller stops every call with these
// credentials. Without one no logon was attempted: the endpoint offers
// no NTLM (Basic only, or nothing the negotiator can use) or sent a
// challenge the negotiator refused; that is terminal for this server but
// says nothing about the password.
func (s *wsSession) unauthorized(what string, h http.Header, loggedOn bool) error {
	switch {
	case loggedOn:
		return failure.MarkAuth(fmt.Errorf("%s: WinRM authentication failed (HTTP 401): %s refused the logon of %s: %s",
			what, s.host, s.creds.login.User, s.creds.auth.hint()), s.creds.login)
	case offersOnlyBasic(h):
		return fmt.Errorf("%s: %w", what, errBasicRefused)
	}
	return failure.MarkTerminal(fmt.Errorf("%s: WinRM authentication failed (HTTP 401) before any logon was attempted: "+
		"%s offers no NTLM exchange the reconciler can complete (check that its listener accepts Negotiate/NTLM)", what, s.host))
}

// wsFault is a SOAP 1.2 fault as WinRM sends it.
type wsFault struct {
	Code    string `xml:"Body>Fault>Code>Value"`
	Subcode string `xml:"Body>Fault>Code>Subcode>Value"`
	Reason  string `xml:"Body>Fault>Reason>Text"`
	Message string `xml:"Body>Fault>Detail>WSManFault>Message"`
}

func parseFault(data []byte) (wsFault, bool) {
	var f wsFault
	if err := xml.Unmarshal(data, &f); err != nil || f.Code == "" {
		return wsFault{}, false
	}
	return f, true
}

func (f wsFault) timedOut() bool {
	return f.Subcode == "TimedOut" || strings.HasSuffix(f.Subcode, ":TimedOut")
}

func (f wsFault) String() string {
	text := strings.TrimSpace(f.Reason)
	if m := strings.TrimSpace(f.Message); m != "" {
		text = m
	}
	return fmt.Sprintf("WS-Management fault %s: %s", f.Subcode, vocab.Clip(strings.Join(strings.Fields(text), " ")))
}

// capWriter keeps at most max bytes and notes an overflow.
type capWriter struct {
	buf   bytes.Buffer
	max   int
	over  bool
	quiet bool // drop the excess silently (stderr)
}

func (c *capWriter) Write(p []byte) (int, error) {
	room := c.max - c.buf.Len()
	if len(p) > room {
		c.over = !c.quiet
		c.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.buf.Write(p)
}
