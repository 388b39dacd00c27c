package main

import (
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/notify"
)

const hookKey = "Zq7-cmd-SENTINEL-key"

// hookServer is an https webhook receiver that checks signatures with
// notify.Verify and answers status.
type hookServer struct {
	*httptest.Server
	clk    clock.Clock
	status int

	mu       sync.Mutex
	verified int
	denied   []error
	bodies   []string
}

func newHookServer(t *testing.T, clk clock.Clock, status int) *hookServer {
	h := &hookServer{clk: clk, status: status}
	h.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := notify.Verify([]byte(hookKey), r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature),
			body, h.clk.Now(), notify.DefaultTolerance)
		h.mu.Lock()
		defer h.mu.Unlock()
		if err != nil {
			h.denied = append(h.denied, err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		h.verified++
		h.bodies = append(h.bodies, string(body))
		w.WriteHeader(h.status)
	}))
	t.Cleanup(h.Close)
	return h
}

// notifyPolicy writes a sim policy with one webhook receiver "hook" posting
// to url, trusting the test server's certificate, its key in a file.
func notifyPolicy(t *testing.T, dir string, srv *httptest.Server, extra string) string {
	t.Helper()
	writeFile(t, dir, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	writeFile(t, dir, "hook.key", hookKey+"\n")
	return simPolicy(t, dir, "http {\n  listen = \"\"\n}\nnotify \"hook\" {\n  type = \"webhook\"\n  url = \""+srv.URL+
		"/reconciler\"\n  ca_file = \"ca.pem\"\n  secret_file = \"hook.key\"\n}\n"+extra)
}

// TestNotifyTestCommand: `notify test NAME` delivers a signed test message
// (exit 0), reports a refusal (exit 1), and names the receivers when NAME
// is unknown.
func TestNotifyTestCommand(t *testing.T) {
	clk := clock.NewFake(t0)
	tests := []struct {
		name     string
		status   int
		receiver string
		code     int
		stdout   string
		stderr   string
	}{
		{name: "delivered", status: http.StatusNoContent, receiver: "hook", code: exitOK, stdout: "delivered a test message to hook (webhook)\n"},
		{name: "refused", status: http.StatusInternalServerError, receiver: "hook", code: exitError, stderr: "not delivered to hook (webhook): HTTP 500"},
		{name: "unknown", status: http.StatusNoContent, receiver: "hok", code: exitError, stderr: `no notify "hok" block`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newHookServer(t, clk, tt.status)
			pol := notifyPolicy(t, t.TempDir(), srv.Server, "")
			res := runCLI(t, clk, "notify", "test", "--policy", pol, tt.receiver)
			if res.code != tt.code || res.stdout != tt.stdout || !strings.Contains(res.stderr, tt.stderr) {
				t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant exit %d, stdout %q, stderr with %q", res.code, res.stdout, res.stderr, tt.code, tt.stdout, tt.stderr)
			}
			if tt.receiver == "hook" && (srv.verified != 1 || len(srv.denied) != 0) {
				t.Errorf("receiver verified %d requests and denied %v, want 1 verified", srv.verified, srv.denied)
			}
		})
	}
}

// TestNotifyTestUsage: no verb is an error, -h is not; a receiver whose
// secret cannot be read is reported by source, never by value.
func TestNotifyTestUsage(t *testing.T) {
	clk := clock.NewFake(t0)
	if res := runCLI(t, clk, "notify"); res.code != exitError || !strings.Contains(res.stderr, "usage: reconciler notify test") {
		t.Errorf("notify: exit %d, %q", res.code, res.stderr)
	}
	if res := runCLI(t, clk, "notify", "test", "-h"); res.code != exitOK {
		t.Errorf("notify test -h: exit %d", res.code)
	}
	dir := t.TempDir()
	srv := newHookServer(t, clk, http.StatusNoContent)
	pol := notifyPolicy(t, dir, srv.Server, "")
	os.Remove(filepath.Join(dir, "hook.key"))
	res := runCLI(t, clk, "notify", "test", "--policy", pol, "hook")
	if res.code != exitError || !strings.Contains(res.stderr, `notify "hook": signing secret:`) {
		t.Errorf("missing key: exit %d, %q", res.code, res.stderr)
	}
}

// TestNotifyExamplePolicyChecks: the example's receivers pass policy check.
func TestNotifyExamplePolicyChecks(t *testing.T) {
	res := runCLI(t, clock.NewFake(t0), "policy", "check", filepath.Join("..", "..", "examples", "policies", "notify.hcl"))
	if res.code != exitOK {
		t.Errorf("policy check: exit %d: %s", res.code, res.stderr)
	}
}

// gatherText is the metrics' exposition text.
func gatherText(t *testing.T, m *controller.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}
