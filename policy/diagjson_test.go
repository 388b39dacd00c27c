package policy

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckJSON(t *testing.T) {
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "four-problems.hcl")
	_, err = Load(path)
	r := Check(err)
	if r.Valid || r.ErrorCount != 4 || len(r.Diagnostics) != 4 {
		t.Fatalf("Check = %+v, want 4 errors", r)
	}
	d := r.Diagnostics[0]
	if d.Severity != "error" || d.Summary != "Unsupported argument" || d.Range == nil ||
		d.Range.Filename != path || d.Range.Start.Line != 14 || d.Range.Start.Column != 3 {
		t.Errorf("first diagnostic = %+v %+v", d, d.Range)
	}
	text, _ := os.ReadFile(path)
	if got := string(text[d.Range.Start.Byte:d.Range.End.Byte]); got == "" || !strings.HasPrefix(strings.TrimSpace(got), strings.Fields(got)[0]) {
		t.Errorf("the byte range names %q", got)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"valid":false`, `"error_count":4`, `"warning_count":0`, `"severity":"error"`,
		`"range":{"filename":`, `"start":{"line":14,"column":3,"byte":`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
}

func TestCheckJSONValidAndUnreadable(t *testing.T) {
	b, _ := json.Marshal(Check(nil))
	if string(b) != `{"valid":true,"error_count":0,"warning_count":0,"diagnostics":[]}` {
		t.Errorf("valid: %s", b)
	}
	r := Check(errors.New("open x.hcl: no such file"))
	if r.Valid || r.ErrorCount != 1 || r.Diagnostics[0].Range != nil || r.Diagnostics[0].Summary != "open x.hcl: no such file" {
		t.Errorf("unreadable: %+v", r)
	}
}
