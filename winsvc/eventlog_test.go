package winsvc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSink records entries as "SEVERITY eid: msg".
type fakeSink struct {
	mu      sync.Mutex
	entries []string
	err     error
}

var _ Sink = (*fakeSink)(nil)

func (f *fakeSink) add(sev string, eid uint32, msg string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = append(f.entries, fmt.Sprintf("%s %d: %s", sev, eid, msg))
	return f.err
}

func (f *fakeSink) Info(eid uint32, msg string) error    { return f.add("INFO", eid, msg) }
func (f *fakeSink) Warning(eid uint32, msg string) error { return f.add("WARNING", eid, msg) }
func (f *fakeSink) Error(eid uint32, msg string) error   { return f.add("ERROR", eid, msg) }

func (f *fakeSink) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.entries...)
}

func TestHandlerLevelsAndText(t *testing.T) {
	sink := &fakeSink{}
	log := slog.New(NewHandler(sink, slog.LevelInfo))
	log.Debug("hidden")
	log.Info("pass done", "pass", "p-42", "applied", 3)
	log.Warn("server unreachable", "ps", "PS009")
	log.Error("journal", "error", errors.New("disk full"))
	log.Log(t.Context(), slog.LevelError+4, "worse than error")
	log.With("component", "controller").WithGroup("pass").Info("planned", "actions", 2)
	want := []string{
		"INFO 1: pass done  pass=p-42 applied=3",
		"WARNING 2: server unreachable  ps=PS009",
		`ERROR 3: journal  error="disk full"`,
		"ERROR 3: worse than error",
		"INFO 1: planned  component=controller pass.actions=2",
	}
	if got := sink.got(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestHandlerDebugLevelAndSinkError(t *testing.T) {
	sink := &fakeSink{err: errors.New("event log full")}
	h := NewHandler(sink, slog.LevelDebug)
	if !h.Enabled(t.Context(), slog.LevelDebug) {
		t.Error("debug not enabled at debug level")
	}
	r := slog.NewRecord(time.Now(), slog.LevelDebug, "detail", 0)
	if err := h.Handle(t.Context(), r); err == nil || err.Error() != "event log full" {
		t.Errorf("Handle error %v", err)
	}
	if got := sink.got(); len(got) != 1 || got[0] != "INFO 1: detail" {
		t.Errorf("entries %q", got)
	}
}

func TestHandlerConcurrent(t *testing.T) {
	sink := &fakeSink{}
	base := NewHandler(sink, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		log := slog.New(base.WithAttrs([]slog.Attr{slog.Int("worker", i)}))
		wg.Go(func() {
			for j := range 50 {
				log.Info("step", "n", j)
			}
		})
	}
	wg.Wait()
	got := sink.got()
	if len(got) != 400 {
		t.Fatalf("%d entries, want 400", len(got))
	}
	for _, e := range got {
		if !strings.HasPrefix(e, "INFO 1: step  worker=") || strings.Count(e, "step") != 1 {
			t.Fatalf("mixed entry %q", e)
		}
	}
}

func TestClipEvent(t *testing.T) {
	long := strings.Repeat("é", maxEventLen) // two bytes each
	got := clipEvent(long)
	if len(got) > maxEventLen+len(" …(truncated)") || !strings.HasSuffix(got, " …(truncated)") {
		t.Errorf("clipped to %d bytes", len(got))
	}
	if !json.Valid([]byte(`"` + got + `"`)) {
		t.Error("clipped text is not valid UTF-8")
	}
	if clipEvent("short") != "short" {
		t.Error("short text changed")
	}
}

var fixedNow = func() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) }

func TestEventWriter(t *testing.T) {
	sink := &fakeSink{}
	w := NewEventWriter(NewHandler(sink, slog.LevelInfo), slog.LevelError, fixedNow)
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log.Debug("below the event log's level")
	log.Warn("budget spent", "kind", "delete_ns_snapshot", "left", 0, "gate", map[string]int{"max": 10})
	log.Info("policy reloaded", "policy", `C:\ProgramData\reconciler\policy.hcl`)
	// A JSON handler writes one record per Write; split it oddly here.
	b := buf.Bytes()
	mustWrite(t, w, b[:7])
	mustWrite(t, w, b[7:])
	mustWrite(t, w, []byte("reconciler: policy C:\\p.hcl: no such file\r\n\n  \n"))
	mustWrite(t, w, []byte(`{"not":"a record"}`+"\n"+"trailing without newline"))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`WARNING 2: budget spent  kind=delete_ns_snapshot left=0 gate="{\"max\":10}"`,
		`INFO 1: policy reloaded  policy=C:\ProgramData\reconciler\policy.hcl`,
		`ERROR 3: reconciler: policy C:\p.hcl: no such file`,
		`ERROR 3: {"not":"a record"}`,
		`ERROR 3: trailing without newline`,
	}
	if got := sink.got(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestJSONLinesWriter(t *testing.T) {
	var file bytes.Buffer
	w := NewJSONLinesWriter(&file, slog.LevelError, fixedNow)
	rec := `{"time":"2025-03-01T11:59:00Z","level":"INFO","msg":"pass done","pass":"p-1"}`
	mustWrite(t, w, []byte(rec+"\n"+"reconciler: daemon mode: not in this build yet\n"))
	lines := strings.Split(strings.TrimSuffix(file.String(), "\n"), "\n")
	if len(lines) != 2 || lines[0] != rec {
		t.Fatalf("file:\n%s", file.String())
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(lines[1]), &got); err != nil {
		t.Fatalf("plain line not wrapped as JSON: %v: %s", err, lines[1])
	}
	want := map[string]string{"time": "2025-03-01T12:00:00Z", "level": "ERROR", "msg": "reconciler: daemon mode: not in this build yet"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("wrapped %v, want %v", got, want)
	}
}

func TestParseRecordRejects(t *testing.T) {
	for _, line := range []string{
		``, `plain`, `{"level":"INFO"}`, `{"msg":"m"}`, `{"level":"LOUD","msg":"m"}`,
		`{"level":3,"msg":"m"}`, `{"level":"INFO","msg":"m"`, `[1,2]`,
	} {
		if _, ok := parseRecord([]byte(line)); ok {
			t.Errorf("parseRecord(%q) accepted", line)
		}
	}
	r, ok := parseRecord([]byte(`{"level":"WARN+1","msg":"m","time":"bad","n":1.5}`))
	if !ok || r.Level != slog.LevelWarn+1 || !r.Time.IsZero() || r.NumAttrs() != 1 {
		t.Errorf("parseRecord = %+v, %v", r, ok)
	}
}

func mustWrite(t *testing.T, w *LineWriter, p []byte) {
	t.Helper()
	if n, err := w.Write(p); err != nil || n != len(p) {
		t.Fatalf("Write = %d, %v", n, err)
	}
}
