package daemon

import (
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/auditview"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/notify"
)

const hookKey = "Zq7-daemon-SENTINEL-key"

// hookServer is an https webhook receiver that checks signatures with
// notify.Verify and answers status.
type hookServer struct {
	*httptest.Server
	clk    clock.Clock
	status int

	mu       sync.Mutex
	verified int
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
// to the server, trusting its certificate, its key in a file.
func notifyPolicy(t *testing.T, dir string, srv *httptest.Server, extra string) string {
	t.Helper()
	writeFile(t, dir, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	writeFile(t, dir, "hook.key", hookKey+"\n")
	return simPolicy(t, dir, "http {\n  listen = \"\"\n}\nnotify \"hook\" {\n  type = \"webhook\"\n  url = \""+srv.URL+
		"/reconciler\"\n  ca_file = \"ca.pem\"\n  secret_file = \"hook.key\"\n}\n"+extra)
}

// TestDaemonNotifierJournals: the daemon's notifier delivers what is
// queued before it stops, journals the outcome as a notification record,
// and keeps the receivers' secrets out of the message and the journal.
func TestDaemonNotifierJournals(t *testing.T) {
	clk := clock.NewFake(t0)
	srv := newHookServer(t, clk, http.StatusNoContent)
	o := testOptions(t, notifyPolicy(t, t.TempDir(), srv.Server, ""), clk)
	j := openJournal(t, o.Policy.Audit.Path, clk)
	m := controller.NewMetrics()
	n, err := startNotifier(o, func() *audit.Journal { return j }, m)
	if err != nil {
		t.Fatal(err)
	}
	n.Notify(notify.BreakerTrippedEvent(clk.Now(), "grew; the agent echoed "+hookKey))
	drainNotifier(n, o.Policy)
	j.Close()
	var got []map[string]any
	for _, r := range readJournal(t, o.Policy.Audit.Path) {
		if r.Type != audit.TypeNotification {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal(r.Detail, &d); err != nil {
			t.Fatal(err)
		}
		got = append(got, d)
	}
	if len(got) != 1 || got[0]["receiver"] != "hook" || got[0]["outcome"] != "delivered" || got[0]["event"] != "breaker_tripped" {
		t.Fatalf("notification records %v, want one delivered breaker_tripped to hook", got)
	}
	if text := gatherText(t, m); !strings.Contains(text, `reconciler_notifications_total{outcome="delivered",receiver="hook"} 1`) {
		t.Errorf("the delivery is not counted:\n%s", text)
	}
	if srv.verified != 1 || strings.Contains(srv.bodies[0], "SENTINEL") || !strings.Contains(srv.bodies[0], "[redacted]") {
		t.Errorf("receiver verified %d; body %s: want the key scrubbed", srv.verified, srv.bodies)
	}
	if raw, _ := os.ReadFile(o.Policy.Audit.Path); strings.Contains(string(raw), "SENTINEL") {
		t.Error("the journal holds the signing key")
	}
}

// TestDaemonNotifierMissingSecret: a receiver that cannot be built stops
// the daemon's start, naming the receiver and the source of its secret.
func TestDaemonNotifierMissingSecret(t *testing.T) {
	clk := clock.NewFake(t0)
	srv := newHookServer(t, clk, http.StatusNoContent)
	path := notifyPolicy(t, t.TempDir(), srv.Server, "notify \"chat\" {\n  type = \"slack\"\n  url_env = \"NO_SUCH_VAR\"\n}\n")
	o := testOptions(t, path, clk)
	_, err := startNotifier(o, func() *audit.Journal { return nil }, nil)
	if err == nil || !strings.Contains(err.Error(), `notify "chat": URL: environment variable NO_SUCH_VAR is not set`) {
		t.Errorf("err = %v", err)
	}
}

// TestAuditNoteOfNotification: `reconciler audit` shows a delivery outcome
// in words.
func TestAuditNoteOfNotification(t *testing.T) {
	r := deliveryRecord(notify.Delivery{Receiver: "hook", Type: "webhook", Kind: notify.BreakerTripped,
		Status: notify.Firing, Outcome: notify.Failed, Attempt: 2, Error: "HTTP 502"})
	if got, want := auditview.Note(auditview.Row{Record: r}), "hook failed breaker_tripped (firing), attempt 2"; got != want {
		t.Errorf("note %q, want %q", got, want)
	}
	if r.Type != audit.TypeNotification || r.Error != "HTTP 502" {
		t.Errorf("record %+v", r)
	}
}

// gatherText is the metrics' exposition text.
func gatherText(t *testing.T, m *controller.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}
