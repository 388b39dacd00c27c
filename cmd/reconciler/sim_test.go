package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/audit"
)

// simScenario is a small estate with two faults, for the CLI tests.
const simScenario = `{"name": "cli", "seed": 3, "servers": 4, "packages": 3,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "duration": "2h",
  "faults": [
    {"kind": "acl_missing", "servers": ["PS002"]},
    {"kind": "stale_ps_snapshot", "servers": ["PS003"], "packages": 2}
  ]}`

// simPolicyFile writes a policy for `reconciler sim` into dir: its site
// block points nowhere, since sim ignores it.
func simPolicyFile(t *testing.T, dir string) string {
	t.Helper()
	return writeFile(t, dir, "sim.hcl", "mode = \"enforce\"\nsite \"sim\" {\n  dir = \"ignored\"\n}\n"+
		"credential {\n  mode    = \"acc\"\n  account = \"CORP\\\\svc-itms-acc\"\n}\n"+
		"reconcile {\n  schedule = \"*/5 * * * *\"\n}\n"+
		"limit \"delete_ps_snapshot\" {\n  max = 1\n  per = \"1h\"\n}\n")
}

// simReport decodes a report as a generic map.
func simReport(t *testing.T, data string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, data)
	}
	return m
}

func TestSimReportToStdoutAndFile(t *testing.T) {
	dir := t.TempDir()
	pol := simPolicyFile(t, dir)
	scen := writeFile(t, dir, "cli.json", simScenario)
	out := runCLI(t, nil, "sim", "--policy", pol, "--scenario", scen)
	if out.code != exitOK {
		t.Fatalf("exit %d: %s", out.code, out.stderr)
	}
	m := simReport(t, out.stdout)
	// The cap of one delete_ps_snapshot per hour paces PS003's two.
	if m["scenario"] != "cli" || m["converged"] != true || m["converged_after"] != "1h5m0s" {
		t.Errorf("scenario %v converged %v after %v; want cli, true, 1h5m0s", m["scenario"], m["converged"], m["converged_after"])
	}
	if w := m["max_in_window"].(map[string]any)["delete_ps_snapshot"]; w != 1.0 {
		t.Errorf("max_in_window.delete_ps_snapshot = %v, want 1", w)
	}

	report := filepath.Join(dir, "report.json")
	page := filepath.Join(dir, "report.html")
	journal := filepath.Join(dir, "kept.jsonl")
	again := runCLI(t, nil, "sim", "--policy", pol, "--scenario", scen, "--report", report, "--html", page, "--audit", journal)
	if again.code != exitOK || again.stdout != "" {
		t.Fatalf("exit %d, stdout %q: %s", again.code, again.stdout, again.stderr)
	}
	if !strings.Contains(again.stderr, "sim: cli converged after 1h5m of ") || !strings.Contains(again.stderr, "report in "+report) {
		t.Errorf("stderr %q lacks the summary line", again.stderr)
	}
	if got := readString(t, report); got != out.stdout {
		t.Errorf("--report differs from stdout:\n%s\n%s", got, out.stdout)
	}
	if html := readString(t, page); !strings.HasPrefix(html, "<!DOCTYPE html>") || strings.Count(html, "<svg") != 3 {
		t.Errorf("--html: want a page with 3 charts (not-Ready, per hour, one budget); got %d bytes, %d svg",
			len(html), strings.Count(html, "<svg"))
	}
	if v, err := audit.Verify(journal); err != nil || !v.OK() || v.Records == 0 {
		t.Errorf("--audit journal: %+v, %v", v, err)
	}
}

func TestSimOptions(t *testing.T) {
	dir := t.TempDir()
	pol := simPolicyFile(t, dir)
	scen := writeFile(t, dir, "cli.json", simScenario)
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, m map[string]any)
	}{
		{name: "built-in scenario", args: []string{"--scenario", "demo"}, check: func(t *testing.T, m map[string]any) {
			if m["scenario"] != "demo" || m["converged"] != true {
				t.Errorf("scenario %v converged %v", m["scenario"], m["converged"])
			}
		}},
		{name: "start", args: []string{"--scenario", scen, "--start", "2026-03-02T06:30:00+01:00"}, check: func(t *testing.T, m map[string]any) {
			if m["start"] != "2026-03-02T05:30:00Z" {
				t.Errorf("start %v, want 2026-03-02T05:30:00Z", m["start"])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := runCLI(t, nil, append([]string{"sim", "--policy", pol}, tt.args...)...)
			if out.code != exitOK {
				t.Fatalf("exit %d: %s", out.code, out.stderr)
			}
			tt.check(t, simReport(t, out.stdout))
		})
	}
}

func TestSimBadInput(t *testing.T) {
	dir := t.TempDir()
	pol := simPolicyFile(t, dir)
	scen := writeFile(t, dir, "cli.json", simScenario)
	used := writeFile(t, dir, "used.jsonl", "{}\n")
	badPolicy := writeFile(t, dir, "bad.hcl", "mode = \"sometimes\"\n")
	file := func(name, text string) string { return writeFile(t, dir, name, text) }
	tests := []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{name: "no scenario", args: []string{"--policy", pol}, want: []string{"--scenario FILE|NAME is required"}},
		{name: "missing file", args: []string{"--policy", pol, "--scenario", filepath.Join(dir, "nope.json")},
			want: []string{"nope.json", "no such file", "built-in scenarios: demo, healthy"}},
		{name: "syntax error", args: []string{"--policy", pol, "--scenario",
			file("syntax.json", "{\"name\": \"x\",\n  \"servers\": 2,,\n}")}, want: []string{"syntax.json:2:16:"}},
		{name: "unknown field", args: []string{"--policy", pol, "--scenario",
			file("field.json", "{\"servers\": 2, \"packages\": 1, \"credential\": {\"mode\": \"anonymous\"},\n  \"faults\": [{\"kind\": \"status_lost\", \"serverz\": [\"PS001\"]}]}")},
			want: []string{"field.json:2:38:", `unknown field "serverz"`}},
		{name: "unknown kind", args: []string{"--policy", pol, "--scenario",
			file("kind.json", "{\"servers\": 2, \"packages\": 1, \"credential\": {\"mode\": \"anonymous\"},\n  \"faults\": [{\"kind\": \"gremlins\"}]}")},
			want: []string{"kind.json:2:", "gremlins"}},
		{name: "too many pairs (review: 12 GB in 3 min)", args: []string{"--policy", pol, "--scenario",
			file("big.json", `{"name":"big","servers":100000,"packages":500,"credential":{"mode":"anonymous"},"duration":"24h"}`)},
			want: []string{"big.json:1:43: packages: 100000 servers x 500 packages is more than 10000000 pairs"}},
		{name: "too long (review: 40 CPU-minutes)", args: []string{"--policy", pol, "--scenario",
			file("long.json", `{"servers":1,"packages":1,"credential":{"mode":"anonymous"},"duration":"1000000h"}`)},
			want: []string{"long.json:1:72: duration: at most 744h0m0s (31 days)"}},
		{name: "bad start", args: []string{"--policy", pol, "--scenario", scen, "--start", "monday"},
			want: []string{`--start "monday"`, "RFC 3339"}},
		{name: "used journal", args: []string{"--policy", pol, "--scenario", scen, "--audit", used},
			want: []string{used, "not empty"}},
		{name: "bad policy", args: []string{"--policy", badPolicy, "--scenario", scen},
			want: []string{"bad.hcl:1:", "Invalid mode"}},
		{name: "extra argument", args: []string{"--policy", pol, "--scenario", scen, "now"},
			want: []string{`unexpected argument "now"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := runCLI(t, nil, append([]string{"sim"}, tt.args...)...)
			if out.code != exitError || out.stdout != "" {
				t.Fatalf("exit %d, stdout %q; want 1 and nothing", out.code, out.stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, out.stderr)
				}
			}
		})
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
