package winsvc

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"unicode/utf8"
)

// Sink is where event-log entries go: *eventlog.Log on Windows, a fake in
// tests. eid is the event ID; with the EventCreate.exe message file it must
// be between 1 and 1000.
type Sink interface {
	Info(eid uint32, msg string) error
	Warning(eid uint32, msg string) error
	Error(eid uint32, msg string) error
}

// Event IDs, one per severity, so that Event Viewer filters can use either.
const (
	EventInfo    uint32 = 1
	EventWarning uint32 = 2
	EventError   uint32 = 3
)

// maxEventLen keeps an entry under ReportEvent's limit of 31,839
// characters per string.
const maxEventLen = 31000

// Handler is a slog.Handler that writes each record as one event-log entry:
// Debug and Info as Information, Warn as Warning, Error as Error. The text
// is the message followed by the attributes as key=value (groups as
// dotted keys); the time and level are left out, as the event log keeps
// both itself.
type Handler struct {
	sink  Sink
	level slog.Leveler
	mu    *sync.Mutex   // shared by handlers derived with WithAttrs/WithGroup
	buf   *bytes.Buffer // inner's output for the record being handled
	inner slog.Handler
}

var _ slog.Handler = (*Handler)(nil)

// NewHandler returns a handler that writes records at level or above to
// sink (Info when level is nil).
func NewHandler(sink Sink, level slog.Leveler) *Handler {
	if level == nil {
		level = slog.LevelInfo
	}
	buf := &bytes.Buffer{}
	inner := slog.NewTextHandler(buf, &slog.HandlerOptions{
		Level: slog.LevelDebug - 100, // the outer handler filters
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
				return slog.Attr{}
			}
			return a
		},
	})
	return &Handler{sink: sink, level: level, mu: &sync.Mutex{}, buf: buf, inner: inner}
}

// Enabled reports whether records at l are written.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

// Handle writes r as one entry.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	h.buf.Reset()
	err := h.inner.Handle(ctx, r)
	attrs := strings.TrimSuffix(h.buf.String(), "\n")
	h.mu.Unlock()
	if err != nil {
		return err
	}
	msg := r.Message
	if attrs != "" {
		msg += "  " + attrs
	}
	return report(h.sink, r.Level, clipEvent(msg))
}

// WithAttrs returns a handler that adds as to every record.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.inner = h.inner.WithAttrs(as)
	return &c
}

// WithGroup returns a handler that puts later attributes under name.
func (h *Handler) WithGroup(name string) slog.Handler {
	c := *h
	c.inner = h.inner.WithGroup(name)
	return &c
}

// report sends msg to sink with the severity and event ID of l.
func report(sink Sink, l slog.Level, msg string) error {
	switch {
	case l >= slog.LevelError:
		return sink.Error(EventError, msg)
	case l >= slog.LevelWarn:
		return sink.Warning(EventWarning, msg)
	default:
		return sink.Info(EventInfo, msg)
	}
}

// clipEvent cuts msg to maxEventLen bytes on a rune boundary.
func clipEvent(msg string) string {
	if len(msg) <= maxEventLen {
		return msg
	}
	cut := maxEventLen
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + " …(truncated)"
}
