package console

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/itms-tools/reconciler/estateview/estatetest"
)

// sseEvent is one event of a stream as a client parses it.
type sseEvent struct {
	id, event, data string
	comment         bool
}

// readEvent reads one event (up to its blank line).
func readEvent(t *testing.T, br *bufio.Reader) sseEvent {
	t.Helper()
	var ev sseEvent
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended: %v", err)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			return ev
		case strings.HasPrefix(line, ":"):
			ev.comment = true
		case strings.HasPrefix(line, "id: "):
			ev.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			ev.event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.data += strings.TrimPrefix(line, "data: ")
		case strings.HasPrefix(line, "retry: "):
		default:
			t.Fatalf("not an event stream line: %q", line)
		}
	}
}

// TestEventStream: the stream is text/event-stream; a pass that changes
// the view produces one "view" event with the changed servers, its id the
// view version; an idle stream sends heartbeat comments; the stream ends
// when the console closes. Time is synctest's: no wall-clock wait.
func TestEventStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := estatetest.New(t, estateScenario, estatePolicy)
		s := newConsole(t, r)
		v0 := r.View.Snapshot().Estate().Version
		pr := serve(s, httptest.NewRequest(http.MethodGet, "/events", nil))
		br := bufio.NewReader(pr)
		readEvent(t, br) // retry:
		if ct := pr.h.Get("Content-Type"); ct != "text/event-stream; charset=utf-8" || pr.code != 200 {
			t.Fatalf("status %d, content type %q", pr.code, ct)
		}
		synctest.Wait() // the stream waits on its watch set
		first := r.Pass(time.Minute)
		ev := readEvent(t, br)
		if ev.event != "view" {
			t.Fatalf("first event after a pass: %+v", ev)
		}
		var d delta
		if err := json.Unmarshal([]byte(ev.data), &d); err != nil {
			t.Fatal(err)
		}
		if d.From != v0 || d.Version <= v0 || ev.id == "" || d.Pass != first.ID {
			t.Errorf("event %s: %+v (view was at %d)", ev.id, d, v0)
		}
		names := map[string]deltaRow{}
		for _, row := range d.Servers {
			names[row.Name] = row
		}
		if row, ok := names["PS004"]; !ok || row.Conditions["PackagesReady"].Status != "False" {
			t.Errorf("PS004 in the event: %+v (servers %v)", row, names)
		}
		// Idle: a heartbeat comes after Heartbeat (1 s of synctest time).
		if ev := readEvent(t, br); !ev.comment {
			t.Errorf("idle stream sent %+v, want a heartbeat comment", ev)
		}
		s.Close()
		if _, err := io.ReadAll(br); err != nil {
			t.Error(err)
		}
		<-pr.done // the handler returned: the stream ended
	})
}

// TestEventStreamResumes: a client naming the version its page shows gets
// what changed after it at once (Last-Event-ID on a reconnect).
func TestEventStreamResumes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := estatetest.New(t, estateScenario, estatePolicy)
		s := newConsole(t, r)
		v0 := r.View.Snapshot().Estate().Version
		r.Pass(time.Minute)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/events", nil)
		req.Header.Set("Last-Event-ID", itoa(v0))
		pr := serve(s, req)
		br := bufio.NewReader(pr)
		readEvent(t, br)
		ev := readEvent(t, br)
		if ev.event != "view" || !strings.Contains(ev.data, `"from":`+itoa(v0)) {
			t.Errorf("resumed stream sent %+v", ev)
		}
		cancel()
		pr.wait()
	})
}

// TestStreamLimit: past MaxStreams, a client gets 503 and Retry-After.
func TestStreamLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := estatetest.New(t, estateScenario, estatePolicy)
		s, err := New(Options{View: r.View, Clock: r.Clock, MaxStreams: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ctx, cancel := context.WithCancel(context.Background())
		var open []*pipeRecorder
		for range 2 {
			open = append(open, serve(s, httptest.NewRequestWithContext(ctx, http.MethodGet, "/events", nil)))
		}
		synctest.Wait()
		if s.Streams() != 2 {
			t.Fatalf("%d streams open, want 2", s.Streams())
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/events", nil))
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("third stream: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
		}
		cancel()
		for _, pr := range open {
			pr.wait()
		}
		if s.Streams() != 0 {
			t.Errorf("%d streams left open", s.Streams())
		}
	})
}
