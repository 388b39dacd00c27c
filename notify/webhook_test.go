package notify

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/clock"
)

const hookSecret = "Zq7-hook-SENTINEL-secret"

// testReceiver is what a webhook receiver should do with a request: verify
// the signature and the timestamp (Verify), and refuse a delivery ID it
// has seen within the tolerance (a replay).
type testReceiver struct {
	secret []byte
	clock  clock.Clock

	mu     sync.Mutex
	seen   map[string]time.Time
	bodies []WebhookBody
	denied []error
}

func (r *testReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	err := Verify(r.secret, req.Header.Get(HeaderTimestamp), req.Header.Get(HeaderSignature), body,
		r.clock.Now(), DefaultTolerance)
	r.mu.Lock()
	defer r.mu.Unlock()
	id := req.Header.Get(HeaderDelivery)
	if at, dup := r.seen[id]; err == nil && dup && r.clock.Now().Sub(at) <= DefaultTolerance {
		err = errors.New("replayed delivery id")
	}
	if err != nil {
		r.denied = append(r.denied, err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	r.seen[id] = r.clock.Now()
	var b WebhookBody
	if err := json.Unmarshal(body, &b); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.bodies = append(r.bodies, b)
	w.WriteHeader(http.StatusNoContent)
}

func webhookConfig(name, url, caFile string) Config {
	c := Defaults(name, TypeWebhook)
	c.URL, c.SecretEnv, c.CAFile = url, "HOOK_SECRET", caFile
	return c
}

// TestWebhookSigned: a delivery through the notifier reaches an https
// receiver (trusted through ca_file) that verifies its signature.
func TestWebhookSigned(t *testing.T) {
	fk := clock.NewFake(t0)
	tr := &testReceiver{secret: []byte(hookSecret), clock: fk, seen: map[string]time.Time{}}
	srv := httptest.NewTLSServer(tr)
	defer srv.Close()
	r, err := BuildOne(webhookConfig("hook", srv.URL, caFileOf(t, srv)), BuildOptions{Getenv: env("HOOK_SECRET", hookSecret+"\n"), Clock: fk})
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecords()
	n := New(Options{Clock: fk, Journal: rec, NS: "ns01"})
	n.Configure([]Receiver{r})
	n.Notify(BreakerTrippedEvent(t0, "grew"))
	if d := rec.wait(t); d.Outcome != Delivered {
		t.Fatalf("got %+v, want delivered", d)
	}
	n.Notify(BreakerClosedEvent(t0.Add(time.Minute), "reset by admin"))
	if d := rec.wait(t); d.Outcome != Delivered {
		t.Fatalf("got %+v, want delivered", d)
	}
	n.Close(context.Background())
	if len(tr.bodies) != 2 || len(tr.denied) != 0 {
		t.Fatalf("receiver got %d bodies and denied %v", len(tr.bodies), tr.denied)
	}
	fire, res := tr.bodies[0], tr.bodies[1]
	if fire.Status != Firing || fire.Kind != BreakerTripped || fire.Severity != "critical" || fire.Key != KeyBreaker || fire.Subject.NS != "ns01" {
		t.Errorf("firing body %+v", fire)
	}
	if res.Status != Resolved || res.Kind != BreakerClosed || res.Incident == nil || res.Incident.Kind != BreakerTripped {
		t.Errorf("resolved body %+v", res)
	}
	if !slicesContain(r.Secrets, hookSecret) {
		t.Errorf("the signing secret is not registered for scrubbing")
	}
}

func slicesContain(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestWebhookForgeryAndReplay: the receiver's checks refuse a forged body,
// a wrong key, a replay of a captured request within the tolerance and the
// same request once its timestamp is old.
func TestWebhookForgeryAndReplay(t *testing.T) {
	fk := clock.NewFake(t0)
	var captured *http.Request
	var capturedBody []byte
	tr := &testReceiver{secret: []byte(hookSecret), clock: fk, seen: map[string]time.Time{}}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if captured == nil {
			capturedBody, _ = io.ReadAll(req.Body)
			captured = req.Clone(context.Background())
			req.Body = io.NopCloser(strings.NewReader(string(capturedBody)))
		}
		tr.ServeHTTP(w, req)
	}))
	defer srv.Close()
	wh := &webhook{post: &poster{client: srv.Client(), url: srv.URL}, secret: []byte(hookSecret), clock: fk}
	if err := wh.Send(context.Background(), sampleFiring()); err != nil {
		t.Fatalf("first delivery: %v", err)
	}
	replay := func(body string, sig string) error {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header = captured.Header.Clone()
		if sig != "" {
			req.Header.Set(HeaderSignature, sig)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			return errors.New(resp.Status)
		}
		return nil
	}
	ts := captured.Header.Get(HeaderTimestamp)
	tests := []struct {
		name  string
		body  string
		sig   string
		later time.Duration
		want  string
	}{
		{"forged body", strings.Replace(string(capturedBody), "critical", "info", 1), "", 0, ErrBadSignature.Error()},
		{"wrong key", string(capturedBody), Sign([]byte("guess"), ts, capturedBody), 0, ErrBadSignature.Error()},
		{"replay within tolerance", string(capturedBody), "", 0, "replayed delivery id"},
		{"replay once stale", string(capturedBody), "", 10 * time.Minute, ErrStale.Error()},
	}
	for _, tt := range tests {
		fk.Advance(tt.later)
		if err := replay(tt.body, tt.sig); err != nil {
			t.Fatalf("%s: receiver accepted it (%v)", tt.name, err)
		}
		if got := tr.denied[len(tr.denied)-1].Error(); got != tt.want {
			t.Errorf("%s: denied with %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestSignVector pins the signed string: HMAC-SHA256 over timestamp, ".",
// body, as a receiver in any language computes it (the expected value was
// computed with Python's hmac module).
func TestSignVector(t *testing.T) {
	got := Sign([]byte("s3cret"), "1772330400", []byte(`{"version":1}`))
	const want = "sha256=" + signVector
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	if _, err := hex.DecodeString(strings.TrimPrefix(got, "sha256=")); err != nil {
		t.Error(err)
	}
	now := time.Unix(1772330400, 0)
	for _, tc := range []struct {
		ts, sig string
		now     time.Time
		want    error
	}{
		{"1772330400", want, now, nil},
		{"1772330400", want, now.Add(-DefaultTolerance), nil},
		{"1772330400", want, now.Add(DefaultTolerance + time.Second), ErrStale},
		{"1772330400", want, now.Add(-DefaultTolerance - time.Second), ErrStale},
		{"1772330401", want, now, ErrBadSignature},
		{"1772330400", "sha1=00", now, ErrMalformed},
		{"", want, now, ErrMalformed},
	} {
		if err := Verify([]byte("s3cret"), tc.ts, tc.sig, []byte(`{"version":1}`), tc.now, DefaultTolerance); !errors.Is(err, tc.want) {
			t.Errorf("Verify(%q, %q, %s) = %v, want %v", tc.ts, tc.sig, tc.now, err, tc.want)
		}
	}
}

// signVector is hmac.new(b"s3cret", b'1772330400.{"version":1}', sha256).hexdigest().
const signVector = "8398db28e22f0dec21f49da911848cb3fd72479fdafe259f4e9fb720ebdd9625"
