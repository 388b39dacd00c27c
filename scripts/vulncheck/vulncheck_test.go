package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func readScan(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "scan.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The report of a scan with one of each: a called module vulnerability
// (fails), a standard-library one fixed in a newer Go (reported), one in a
// package imported but not called (a note).
func TestReportGolden(t *testing.T) {
	var out, errs bytes.Buffer
	code := run([]string{"-db-version", "v0.0.0-20261105234957-e22db6528018"}, strings.NewReader(readScan(t)), &out, &errs)
	if code != 1 || errs.Len() != 0 {
		t.Fatalf("exit %d, stderr %q; want 1 for the called module vulnerability", code, errs.String())
	}
	path := filepath.Join("testdata", "scan.golden")
	if *update {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Fatalf("report differs from %s (-update to accept):\n%s", path, out.String())
	}
}

func TestExitCodes(t *testing.T) {
	scan := readScan(t)
	withoutModuleFinding := keepLines(scan, func(l string) bool { return !strings.Contains(l, `"GO-2026-5543"`) })
	newerGo := strings.ReplaceAll(withoutModuleFinding, `"go_version":"go1.26.8"`, `"go_version":"go1.26.10"`)
	tests := []struct {
		name, in string
		code     int
		says     string
	}{
		{"a called module vulnerability fails", scan, 1, "FAIL    GO-2026-5543"},
		{"standard library fixed only in a newer Go is reported", withoutModuleFinding, 0, "STDLIB  GO-2026-6809"},
		{"standard library fixed in the Go scanned with fails", newerGo, 1, "FAIL    GO-2026-6809"},
		{"nothing found", keepLines(scan, func(l string) bool { return !strings.Contains(l, `"finding"`) }), 0,
			"0 called in module dependencies (fail), 0 in the standard library (reported), 0 imported"},
		{"not govulncheck output", "hello", 2, ""},
		{"no config", `{"progress":{"message":"x"}}`, 2, ""},
		{"another protocol", `{"config":{"protocol_version":"v2.0.0","go_version":"go1.26.8"}}`, 2, ""},
		{"finding without module", `{"config":{"protocol_version":"v1.0.0","go_version":"go1.26.8"}}` + "\n" +
			`{"finding":{"osv":"GO-1","trace":[{}]}}`, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			if code := run(nil, strings.NewReader(tt.in), &out, &errs); code != tt.code || !strings.Contains(out.String(), tt.says) {
				t.Fatalf("exit %d (want %d), output:\n%s%s", code, tt.code, out.String(), errs.String())
			}
		})
	}
}

func keepLines(s string, keep func(string) bool) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if keep(l) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// FuzzParse: any input is a report or an error, never a panic, and a
// report's failures are symbol-level findings.
func FuzzParse(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "scan.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"config":{"protocol_version":"v1.0.0","go_version":"go1.26.8"}}{"finding":{"osv":"X","fixed_version":"v1","trace":[{"module":"stdlib","package":"p","function":"F"}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := Parse(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, v := range rep.Failing() {
			if v.Level != SymbolLevel {
				t.Fatalf("failing without a call: %+v", v)
			}
		}
		Write(&bytes.Buffer{}, rep, "")
	})
}
