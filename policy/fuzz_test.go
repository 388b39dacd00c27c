package policy

import (
	"errors"
	"io"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. Parse must never panic; it
// returns either a complete policy or an *Error whose every diagnostic has
// a range, and both Error and Write must cope with whatever it reports.
// The seed corpus is under testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	f.Add([]byte(base + `reconcile { schedule = "TZ=" }`))
	f.Add([]byte(deepPolicy(MaxNesting + 1)))
	f.Add([]byte(base + "mode = <<EOT\n${[[\"${-!-1}\"]]}\nEOT\n"))
	f.Add([]byte(base + "scope { include = [\"a\", \"b\", 1, true] }\n"))
	file := filepath.Join(f.TempDir(), "policy.hcl")
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := Parse(src, file)
		if err == nil {
			checkComplete(t, p)
			return
		}
		var pe *Error
		if !errors.As(err, &pe) || p != nil {
			t.Fatalf("Parse: got (%v, %T), want (nil, *Error)", p, err)
		}
		if len(pe.Diags) == 0 {
			t.Fatal("*Error without diagnostics")
		}
		if d := checkShape(src, file); d != nil && (len(pe.Diags) != 1 || pe.Diags[0] != d && pe.Diags[0].Summary != d.Summary) {
			t.Fatalf("refused by the pre-scan (%s) but got %d diagnostics", d.Summary, len(pe.Diags))
		}
		for _, d := range pe.Diags {
			if d.Subject != nil && d.Subject.Start.Byte > len(src) {
				t.Errorf("diagnostic past the end of the file: %s at byte %d of %d", d.Summary, d.Subject.Start.Byte, len(src))
			}
			if d.Subject == nil {
				t.Errorf("diagnostic without a range: %s; %s", d.Summary, d.Detail)
			}
		}
		_ = pe.Error()
		if werr := pe.Write(io.Discard, true); werr != nil {
			t.Fatalf("Write: %v", werr)
		}
	})
}

// checkComplete asserts what consumers rely on in a valid policy.
func checkComplete(t *testing.T, p *Policy) {
	t.Helper()
	if (p.Site.Sim == nil) == (p.Site.ITMS == nil) {
		t.Fatalf("site %q: want exactly one of Sim and ITMS", p.Site.Kind)
	}
	if p.Reconcile.Cron == nil || p.Reconcile.Location == nil {
		t.Fatal("reconcile schedule or location missing")
	}
	if err := p.Credential.Validate(); err != nil {
		t.Fatalf("credential: %v", err)
	}
	for _, w := range p.Windows {
		if w.Cron == nil || w.Location == nil || w.Duration <= 0 || len(w.Allow) == 0 == (len(w.Deny) == 0) {
			t.Fatalf("window %q incomplete: %+v", w.Name, w)
		}
	}
	for _, l := range p.Limits {
		if l.Max < 1 || l.Per <= 0 {
			t.Fatalf("limit %s: %+v", l.Kind, l)
		}
	}
}
