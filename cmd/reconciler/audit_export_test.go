package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
)

func TestAuditExport(t *testing.T) {
	pol, _ := sampleJournal(t)
	clk := clock.NewFake(auditNow)
	res := runCLI(t, clk, "audit", "export", "--format", "csv", "--policy", pol)
	if res.code != exitOK {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	golden(t, "audit/export.csv.golden", res.stdout)
	rows, err := csv.NewReader(strings.NewReader(res.stdout)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v", err)
	}
	if strings.Join(rows[0], ",") != strings.Join(audit.CSVHeader, ",") || len(rows) != 16 {
		t.Fatalf("header %v, %d rows", rows[0], len(rows))
	}

	jsonl := runCLI(t, clk, "audit", "export", "--policy", pol)
	stored := runCLI(t, clk, "audit", "--json", "--policy", pol)
	if jsonl.code != exitOK || jsonl.stdout != stored.stdout {
		t.Fatalf("jsonl export differs from the stored records:\n%s\n---\n%s", jsonl.stdout, stored.stdout)
	}

	filtered := runCLI(t, clk, "audit", "export", "--format", "csv", "--kind", "grant_acl", "--policy", pol)
	rows, _ = csv.NewReader(strings.NewReader(filtered.stdout)).ReadAll()
	for _, r := range rows[1:] {
		if r[6] != "grant_acl" {
			t.Fatalf("--kind grant_acl exported %v", r)
		}
	}
	if len(rows) < 2 {
		t.Fatal("--kind grant_acl exported nothing")
	}

	out := filepath.Join(t.TempDir(), "siem", "export.csv")
	os.MkdirAll(filepath.Dir(out), 0o700)
	res = runCLI(t, clk, "audit", "export", "--format", "csv", "--out", out, "--policy", pol)
	if res.code != exitOK || !strings.Contains(res.stderr, "15 records written to "+out) {
		t.Fatalf("--out: exit %d, stderr %q", res.code, res.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil || string(b) != runCLI(t, clk, "audit", "export", "--format", "csv", "--policy", pol).stdout {
		t.Fatalf("--out file differs from stdout (%v)", err)
	}
	if fi, _ := os.Stat(out); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("--out mode %v, want 0600", fi.Mode().Perm())
	}

	for _, bad := range [][]string{{"--format", "xml"}, {"--since", "yesterday"}, {"extra"}} {
		if res := runCLI(t, clk, append(append([]string{"audit", "export"}, bad...), "--policy", pol)...); res.code != exitError {
			t.Fatalf("audit export %v: exit %d", bad, res.code)
		}
	}
}
