package itms

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/failure"
)

var resendAction = actions.Action{Kind: actions.ResendStatus, Target: actions.Target{Server: testHost}}

// checkNoBasicNoSecret fails when the server saw Basic credentials or the
// password in any form in an Authorization header.
func checkNoBasicNoSecret(t *testing.T, f *fakeWinRM) {
	t.Helper()
	for _, a := range f.seenAuth() {
		if strings.HasPrefix(strings.ToLower(a), "basic") {
			t.Errorf("Basic credentials reached the server: %q", a)
		}
		_, data, _ := strings.Cut(a, " ")
		raw, _ := base64.StdEncoding.DecodeString(data)
		assertNoSentinel(t, a)
		assertNoSentinel(t, string(raw))
		assertNoSentinel(t, strings.ReplaceAll(string(raw), "\x00", ""))
	}
}

func TestWinRMAuthFailure(t *testing.T) {
	tests := []struct {
		name      string
		challenge string
		want      string
	}{
		{"negotiate refused", "Negotiate", "WinRM authentication failed (HTTP 401)"},
		{"basic only", `Basic realm="WSMAN"`, "offered only Basic authentication; refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeWinRM(t, okAnswer(t))
			f.auth = func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("WWW-Authenticate", tc.challenge)
				w.WriteHeader(http.StatusUnauthorized)
				return false
			}
			env := newTestEnv()
			site := openAgainst(t, f, env)
			err := site.Apply(context.Background(), resendAction)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if c, _ := failure.Classify(err); c != failure.Terminal {
				t.Errorf("an authentication failure is %v, want terminal (retries would lock the account out)", c)
			}
			assertNoSentinel(t, err.Error())
			assertNoSentinel(t, env.logs.String())
			checkNoBasicNoSecret(t, f)
			if len(f.sent()) != 0 {
				t.Error("a script was sent without authentication")
			}
		})
	}
}

// ntlmChallenge is a minimal NTLM CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2):
// Unicode and NTLM flags, an 8-byte server challenge, no target info.
func ntlmChallenge() string {
	b := make([]byte, 48)
	copy(b, "NTLMSSP\x00")
	binary.LittleEndian.PutUint32(b[8:], 2)
	binary.LittleEndian.PutUint32(b[16:], 48) // target name: empty, at the end
	binary.LittleEndian.PutUint32(b[20:], 0x00000201)
	copy(b[24:32], "8bytes!!")
	binary.LittleEndian.PutUint32(b[44:], 48) // target info: empty, at the end
	return base64.StdEncoding.EncodeToString(b)
}

func TestWinRMNTLMHandshake(t *testing.T) {
	f := newFakeWinRM(t, okAnswer(t))
	f.auth = func(w http.ResponseWriter, r *http.Request) bool {
		a := r.Header.Get("Authorization")
		msg, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "NTLM "))
		switch {
		case strings.HasPrefix(a, "NTLM ") && len(msg) > 12 && msg[8] == 3:
			return true // AUTHENTICATE: accepted
		case strings.HasPrefix(a, "NTLM ") && len(msg) > 12 && msg[8] == 1:
			w.Header().Set("WWW-Authenticate", "NTLM "+ntlmChallenge())
		default:
			w.Header().Set("WWW-Authenticate", "NTLM")
		}
		w.WriteHeader(http.StatusUnauthorized)
		return false
	}
	site := openAgainst(t, f, newTestEnv())
	if err := site.Apply(context.Background(), resendAction); err != nil {
		t.Fatal(err)
	}
	checkNoBasicNoSecret(t, f)
	var authenticates int
	for _, a := range f.seenAuth() {
		if raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "NTLM ")); len(raw) > 8 && raw[8] == 3 {
			authenticates++
		}
	}
	if authenticates == 0 {
		t.Error("no NTLM AUTHENTICATE message was sent")
	}
}

func TestWinRMTimeout(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFakeWinRM(t, okAnswer(t))
	first := true
	f.onReceive = func(r *http.Request) {
		if first {
			first = false
			cancel()
			<-r.Context().Done() // the client gives up
		}
	}
	site := openAgainst(t, f, newTestEnv())
	err := site.Apply(ctx, resendAction)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	acts := f.seenActions()
	if n := len(acts); n < 2 || acts[n-2] != "Signal" || acts[n-1] != "Delete" {
		t.Errorf("the remote shell was not cleaned up: %q", acts)
	}
}

func TestWinRMGarbageOutput(t *testing.T) {
	deleteAction := actions.Action{Kind: actions.DeletePSSnapshot, Target: actions.Target{Server: testHost, Package: pkgReady}}
	tests := []struct {
		name   string
		stdout string
		exit   int
		want   string
	}{
		{"text", "hello world", 0, "reply is not one JSON object"},
		{"nothing", "", 1, "no reply (exit code 1): #< CLIXML"},
		{"two objects", `{"ok":true,"deleted":true}{"ok":true}`, 0, "reply is not one JSON object"},
		{"array", `[{"ok":true}]`, 0, "reply is not one JSON object"},
		{"ok not a boolean", `{"ok":"yes"}`, 0, "reply is not one JSON object"},
		{"no ok", `{"deleted":true}`, 0, "with an ok field"},
		{"unknown field", `{"ok":true,"deleted":true,"extra":1}`, 0, "malformed reply"},
		{"wrong type", `{"ok":true,"deleted":"maybe"}`, 0, "malformed reply"},
		{"binary", "\x00\xff\xfe{", 0, "reply is not one JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeWinRM(t, func(sentScript) (string, int) { return tc.stdout, tc.exit })
			site := openAgainst(t, f, newTestEnv())
			observedFolders(site)
			err := site.Apply(context.Background(), deleteAction)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "delete_ps_snapshot on 127.0.0.1") {
				t.Errorf("error %q does not name the operation and server", err)
			}
		})
	}
}

func TestWinRMFault(t *testing.T) {
	f := newFakeWinRM(t, okAnswer(t))
	f.createFault = "fault_access_denied.xml"
	site := openAgainst(t, f, newTestEnv())
	err := site.Apply(context.Background(), resendAction)
	if err == nil || !strings.Contains(err.Error(), "create shell: create shell: HTTP 500: WS-Management fault w:AccessDenied: Access is denied.") {
		t.Fatalf("err = %v", err)
	}
}

func TestWinRMVerifiesTLS(t *testing.T) {
	f := newFakeWinRM(t, okAnswer(t))
	port := f.srv.Listener.Addr().(*net.TCPAddr).Port
	env := newTestEnv()
	site, err := Open(context.Background(), testConfig(port), env.options()) // system roots only
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	err = site.Apply(context.Background(), resendAction)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an untrusted certificate was accepted: %v", err)
	}

	cfg := testConfig(port)
	cfg.WinRM.InsecureSkipVerify = true
	insecure, err := Open(context.Background(), cfg, env.options())
	if err != nil {
		t.Fatal(err)
	}
	defer insecure.Close()
	if err := insecure.Apply(context.Background(), resendAction); err != nil {
		t.Fatalf("insecure_skip_verify: %v", err)
	}
}

func TestCapWriter(t *testing.T) {
	c := &capWriter{max: 4}
	c.Write([]byte("abc"))
	c.Write([]byte("def"))
	if !c.over || c.buf.String() != "abcd" {
		t.Errorf("capWriter kept %q, over %v", c.buf.String(), c.over)
	}
	q := &capWriter{max: 2, quiet: true}
	q.Write([]byte("xyz"))
	if q.over || q.buf.String() != "xy" {
		t.Errorf("quiet capWriter kept %q, over %v", q.buf.String(), q.over)
	}
}
