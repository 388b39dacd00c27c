// Package redact keeps secrets out of logs and command output, as a second
// line of defence behind the drivers (which must keep secrets out of their
// messages): a panic value or a server echoing a password back is scrubbed
// before it is written. It uses the journal's scrubbing rules
// (audit.Redact) and owns nothing else.
package redact

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/itms-tools/reconciler/audit"
)

// Set holds the secrets to scrub; it may be filled after it is handed out
// (the site, which knows them, opens after the logger is built).
type Set struct {
	mu    sync.Mutex
	fn    func() []string
	extra []func() []string
}

// Use sets where the secrets come from.
func (s *Set) Use(fn func() []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fn = fn
}

// Add registers another source of secrets beside the one of Use (the
// notification receivers' keys and webhook URLs).
func (s *Set) Add(fn func() []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.extra = append(s.extra, fn)
}

// Values returns every secret of every source (for the journal's
// scrubber).
func (s *Set) Values() []string { return s.values() }

func (s *Set) values() []string {
	s.mu.Lock()
	fns := append([]func() []string{s.fn}, s.extra...)
	s.mu.Unlock()
	var out []string
	for _, fn := range fns {
		if fn != nil {
			out = append(out, fn()...)
		}
	}
	return out
}

// String scrubs v.
func (s *Set) String(v string) string {
	vals := s.values()
	if len(vals) == 0 {
		return v
	}
	return audit.Redact(v, vals)
}

// NewHandler returns a handler that scrubs every message and attribute
// with s before next formats them.
func NewHandler(next slog.Handler, s *Set) slog.Handler { return handler{next: next, secrets: s} }

type handler struct {
	next    slog.Handler
	secrets *Set
}

func (h handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, h.secrets.String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, nr)
}

func (h handler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = h.attr(a)
	}
	return handler{next: h.next.WithAttrs(out), secrets: h.secrets}
}

func (h handler) WithGroup(name string) slog.Handler {
	return handler{next: h.next.WithGroup(name), secrets: h.secrets}
}

// attr renders values that could carry text (strings, errors, anything
// formatted) as scrubbed strings; numbers, times and booleans pass.
func (h handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.secrets.String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, x := range g {
			out[i] = h.attr(x)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.secrets.String(err.Error()))
		}
		return slog.String(a.Key, h.secrets.String(fmt.Sprint(v.Any())))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// NewWriter returns a writer that scrubs what it writes with s: command
// output (plan, status) carries untrusted text that could echo a secret.
// Each Write is scrubbed on its own; callers write whole lines.
func NewWriter(w io.Writer, s *Set) io.Writer { return writer{w: w, secrets: s} }

type writer struct {
	w       io.Writer
	secrets *Set
}

func (r writer) Write(p []byte) (int, error) {
	s := r.secrets.String(string(p))
	if _, err := io.WriteString(r.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}
