package winsvc

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"time"
)

// LineWriter is an io.Writer for a service's stdout or stderr, where there
// is no console: it cuts what it is given into lines and passes each on as
// a log entry. A line that is a JSON log record (slog's JSONHandler output,
// with "level" and "msg") keeps its level, message and attributes; any
// other line (a command's plain error or report) becomes a record at the
// writer's plain level. It is safe for concurrent use.
type LineWriter struct {
	mu      sync.Mutex
	partial []byte
	emit    func(line []byte) error
}

// NewEventWriter returns a LineWriter that hands each line to h (for the
// event log, a *Handler), plain lines at level plain.
func NewEventWriter(h slog.Handler, plain slog.Level, now func() time.Time) *LineWriter {
	return &LineWriter{emit: func(line []byte) error {
		r, ok := parseRecord(line)
		if !ok {
			r = slog.NewRecord(now(), plain, string(line), 0)
		}
		if !h.Enabled(context.Background(), r.Level) {
			return nil
		}
		return h.Handle(context.Background(), r)
	}}
}

// NewJSONLinesWriter returns a LineWriter for a log file of JSON lines:
// JSON log records are written as they are; a plain line is wrapped in a
// record of its own at level plain, so that every line of the file parses.
func NewJSONLinesWriter(w io.Writer, plain slog.Level, now func() time.Time) *LineWriter {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug - 100})
	return &LineWriter{emit: func(line []byte) error {
		if _, ok := parseRecord(line); ok {
			_, err := w.Write(append(line, '\n'))
			return err
		}
		return h.Handle(context.Background(), slog.NewRecord(now(), plain, string(line), 0))
	}}
}

// Write passes on every complete line of p and keeps the rest for later.
// It reports all of p written; the first error passing a line on is
// returned, and the later lines are still passed on.
func (w *LineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	var first error
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := bytes.TrimRight(w.partial[:i], "\r")
		if len(bytes.TrimSpace(line)) > 0 {
			if err := w.emit(bytes.Clone(line)); err != nil && first == nil {
				first = err
			}
		}
		w.partial = w.partial[i+1:]
	}
	w.partial = bytes.Clone(w.partial)
	return len(p), first
}

// Flush passes on a last line that had no newline.
func (w *LineWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	line := w.partial
	w.partial = nil
	if len(bytes.TrimSpace(line)) == 0 {
		return nil
	}
	return w.emit(line)
}

// parseRecord reads a JSON log record: an object with a "level" slog
// understands and a string "msg", and optionally an RFC 3339 "time". Other
// keys become attributes in their order: strings as strings, anything else
// as its JSON text.
func parseRecord(line []byte) (slog.Record, bool) {
	if len(line) == 0 || line[0] != '{' || !json.Valid(line) {
		return slog.Record{}, false
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if _, err := dec.Token(); err != nil {
		return slog.Record{}, false
	}
	var (
		t              time.Time
		lvl            slog.Level
		msg            string
		hasLvl, hasMsg bool
		attrs          []slog.Attr
	)
	for dec.More() {
		k, v, err := nextField(dec)
		if err != nil {
			return slog.Record{}, false
		}
		var s string
		isString := json.Unmarshal(v, &s) == nil
		switch {
		case k == slog.TimeKey && isString:
			t, _ = time.Parse(time.RFC3339Nano, s)
		case k == slog.LevelKey && isString:
			hasLvl = lvl.UnmarshalText([]byte(s)) == nil
		case k == slog.MessageKey && isString:
			msg, hasMsg = s, true
		case isString:
			attrs = append(attrs, slog.String(k, s))
		default:
			attrs = append(attrs, slog.String(k, string(v)))
		}
	}
	if !hasLvl || !hasMsg {
		return slog.Record{}, false
	}
	r := slog.NewRecord(t, lvl, msg, 0)
	r.AddAttrs(attrs...)
	return r, true
}

// nextField reads one key and its raw value from an object being decoded.
func nextField(dec *json.Decoder) (string, json.RawMessage, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", nil, err
	}
	k, _ := tok.(string)
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return "", nil, err
	}
	return k, v, nil
}
