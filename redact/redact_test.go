package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

const sentinel = "S3NT1NEL-pw"

func TestHandlerScrubsMessagesAndAttributes(t *testing.T) {
	var buf bytes.Buffer
	s := &Set{}
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil), s))
	log.Info("before the site is open " + sentinel) // no secrets known yet
	s.Use(func() []string { return []string{sentinel} })
	log = log.With("dsn", "sqlserver://u:"+sentinel+"@sql01/db")
	log.Error("login failed for "+sentinel, "err", errors.New("password="+sentinel),
		"panic", struct{ V string }{sentinel}, slog.Group("g", "x", sentinel), "n", 3)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines: %q", lines)
	}
	if !strings.Contains(lines[0], sentinel) {
		t.Fatal("scrubbed before any secret was known")
	}
	if strings.Contains(lines[1], sentinel) {
		t.Fatalf("secret in %s", lines[1])
	}
	if !strings.Contains(lines[1], `"n":3`) || strings.Count(lines[1], "[redacted]") < 5 {
		t.Fatalf("unexpected record %s", lines[1])
	}
}

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	s := &Set{}
	s.Use(func() []string { return []string{sentinel} })
	w := NewWriter(&buf, s)
	n, err := w.Write([]byte("agent said " + sentinel + "\n"))
	if err != nil || n != len("agent said "+sentinel+"\n") {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got := buf.String(); got != "agent said [redacted]\n" {
		t.Fatalf("wrote %q", got)
	}
}

// TestSetAdd: secrets registered with Add are scrubbed beside Use's.
func TestSetAdd(t *testing.T) {
	s := &Set{}
	s.Use(func() []string { return []string{"site-SENTINEL-pw"} })
	s.Add(func() []string { return []string{"https://hooks.example/T1/B1/tokenSENTINEL123"} })
	got := s.String("post https://hooks.example/T1/B1/tokenSENTINEL123 with site-SENTINEL-pw")
	if strings.Contains(got, "SENTINEL") {
		t.Errorf("String = %q: a secret survived", got)
	}
	if len(s.Values()) != 2 {
		t.Errorf("Values = %q, want both sources", s.Values())
	}
}
