package policy

import (
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Error is returned by Load and Parse when a policy is invalid. It holds
// every diagnostic found in one pass, sorted by position, and the parsed
// files so that the diagnostics can be printed with source snippets.
type Error struct {
	Diags hcl.Diagnostics
	Files map[string]*hcl.File
	cause error // the read error when the file could not be read
}

// Unwrap returns the read error when the file could not be read, so that
// errors.Is(err, fs.ErrNotExist) works; nil otherwise.
func (e *Error) Unwrap() error { return e.cause }

// Error renders every diagnostic on its own line as
// "file:line:col: summary; detail". A diagnostic without a source range
// (an unreadable file) is rendered as "summary; detail".
func (e *Error) Error() string {
	var b strings.Builder
	for i, d := range e.Diags {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(oneLine(d))
	}
	return b.String()
}

func oneLine(d *hcl.Diagnostic) string {
	var b strings.Builder
	if d.Subject != nil {
		b.WriteString(position(d.Subject) + ": ")
	}
	b.WriteString(d.Summary)
	if d.Detail != "" {
		b.WriteString("; " + strings.ReplaceAll(d.Detail, "\n", " "))
	}
	return b.String()
}

// position formats the start of r the way compilers and editors expect.
func position(r *hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// Write prints every diagnostic with hcl's text writer: each one starts with
// a "file:line:col: " prefix, then the severity, the summary, the source
// snippet with the offending range highlighted (in color when color is
// set), and the detail.
func (e *Error) Write(w io.Writer, color bool) error {
	tw := hcl.NewDiagnosticTextWriter(w, e.Files, 0, color)
	for _, d := range e.Diags {
		if d.Subject != nil {
			if _, err := io.WriteString(w, position(d.Subject)+": "); err != nil {
				return fmt.Errorf("write diagnostics: %w", err)
			}
		}
		if err := tw.WriteDiagnostic(d); err != nil {
			return fmt.Errorf("write diagnostics: %w", err)
		}
	}
	return nil
}
