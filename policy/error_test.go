package policy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorFourProblems checks that one pass reports every problem, each at
// its own position, and pins the text writer's output in a golden file.
func TestErrorFourProblems(t *testing.T) {
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(filepath.Join(dir, "four-problems.hcl"))
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("Load: got %v, want *Error", err)
	}
	want := []string{
		"four-problems.hcl:14:3: Unsupported argument",
		"four-problems.hcl:15:19: Invalid duration",
		"four-problems.hcl:18:7: Unknown action kind",
		"four-problems.hcl:24:14: Invalid cron schedule",
	}
	lines := strings.Split(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d diagnostics, want %d:\n%s", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w+"; ") {
			t.Errorf("diagnostic %d = %q, want prefix %q", i, lines[i], w)
		}
	}
	var buf bytes.Buffer
	if err := pe.Write(&buf, false); err != nil {
		t.Fatal(err)
	}
	out := strings.ReplaceAll(buf.String(), dir+string(filepath.Separator), "")
	golden(t, filepath.Join(dir, "four-problems.golden"), out)
}

// TestErrorWriteColor checks that color adds escape codes and keeps the
// position prefix plain, so that editors still find it.
func TestErrorWriteColor(t *testing.T) {
	file := filepath.Join(t.TempDir(), "p.hcl")
	_, err := Parse([]byte(base+"mode = \"on\"\n"), file)
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("Parse: got %v, want *Error", err)
	}
	tests := []struct {
		color  bool
		escape bool
	}{{false, false}, {true, true}}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := pe.Write(&buf, tt.color); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(buf.String(), "\x1b["); got != tt.escape {
			t.Errorf("color=%v: escape codes present = %v", tt.color, got)
		}
		if !strings.HasPrefix(buf.String(), file+":3:8: ") {
			t.Errorf("color=%v: output does not start with the position:\n%s", tt.color, buf.String())
		}
	}
}

// TestErrorNoSubject renders a diagnostic without a range (an unreadable
// file) without a position.
func TestErrorNoSubject(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.hcl"))
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("Load: got %v, want *Error", err)
	}
	var buf bytes.Buffer
	if err := pe.Write(&buf, false); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "Error: Cannot read policy file ") {
		t.Errorf("Write output:\n%s", buf.String())
	}
	if _, statErr := os.Stat("missing.hcl"); statErr == nil {
		t.Fatal("test assumes no missing.hcl in the package folder")
	}
}
