package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSubcommandsSmall runs every subcommand on a small estate and checks
// the report bench/run prints.
func TestSubcommandsSmall(t *testing.T) {
	ctx := context.Background()
	cache, results := t.TempDir(), t.TempDir()
	const policy = "../../policy.hcl"
	out := func(args ...string) string {
		t.Helper()
		var b bytes.Buffer
		if err := run(ctx, args, &b); err != nil {
			t.Fatalf("%s: %v", strings.Join(args, " "), err)
		}
		return b.String()
	}
	appendTo := func(file, line string) {
		t.Helper()
		f, err := os.OpenFile(filepath.Join(results, file), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(line); err != nil {
			t.Fatal(err)
		}
	}
	busy := strings.TrimSpace(out("gen", "--cache", cache, "--servers", "20", "--packages", "30", "--not-ready", "0.1", "--print-dir"))
	idle := strings.TrimSpace(out("gen", "--cache", cache, "--servers", "20", "--packages", "30", "--not-ready", "0", "--print-dir"))
	for range 2 {
		appendTo("scan.jsonl", out("scan", "--estate", busy))
		appendTo("pass.jsonl", out("pass", "--estate", busy, "--policy", policy))
		appendTo("idle-scan.jsonl", out("scan", "--estate", idle))
		appendTo("idle-pass.jsonl", out("pass", "--estate", idle, "--policy", policy))
	}
	noix := strings.TrimSpace(out("gen", "--cache", cache, "--servers", "20", "--packages", "30", "--not-ready", "0.1",
		"--no-status-index", "--print-dir"))
	inc := strings.TrimSpace(out("gen", "--cache", cache, "--servers", "20", "--packages", "30", "--incident", "status_lost", "--print-dir"))
	heavy := strings.TrimSpace(out("gen", "--cache", cache, "--servers", "20", "--packages", "30", "--not-ready", "0.2",
		"--stale-on-one", "25", "--print-dir"))
	for range 2 {
		appendTo("floor-scan.jsonl", out("scan", "--estate", busy, "--query", "floor"))
		appendTo("floor-pass.jsonl", out("pass", "--estate", busy, "--policy", policy))
		appendTo("noindex-scan.jsonl", out("scan", "--estate", noix))
		appendTo("noindex-pass.jsonl", out("pass", "--estate", noix, "--policy", policy))
		appendTo("incident-scan.jsonl", out("scan", "--estate", inc))
		appendTo("incident-pass.jsonl", out("pass", "--estate", inc, "--policy", policy))
		appendTo("heavy-scan.jsonl", out("scan", "--estate", heavy))
		appendTo("heavy-pass.jsonl", out("pass", "--estate", heavy, "--policy", policy))
		appendTo("planonly.jsonl", out("pass", "--estate", busy, "--policy", policy))
		appendTo("daemon.jsonl", out("pass", "--estate", busy, "--policy", policy, "--mode", "daemon"))
		appendTo("enforce.jsonl", out("pass", "--estate", busy, "--policy", policy, "--mode", "enforce"))
	}
	appendTo("agents.jsonl", out("agents", "--policy", policy, "--servers", "20", "--latency", "1ms", "--runs", "1"))
	appendTo("plan.jsonl", out("plan", "--policy", policy, "--servers", "10", "--causes", "100", "--runs", "1"))
	var r map[string]any
	if err := json.Unmarshal([]byte(out("report", "--estate", busy, "--idle", idle, "--results", results)), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"servers", "packages", "pairs", "not_ready", "scan_seconds", "pass_seconds", "pass_over_scan",
		"idle_scan_seconds", "idle_pass_seconds", "idle_over_scan", "peak_rss_mb", "observe_agents_seconds",
		"plan_seconds_10k_causes", "sim_seconds", "pass_over_floor", "noindex_over_scan", "incident_over_scan",
		"incident_rss_mb", "heavy_over_scan", "daemon_over_planonly", "enforce_over_planonly"} {
		if _, ok := r[k]; !ok {
			t.Errorf("report lacks %s: %v", k, r)
		}
	}
	for _, k := range []string{"pass_over_floor", "noindex_over_scan", "incident_over_scan", "incident_rss_mb",
		"heavy_over_scan", "daemon_over_planonly", "enforce_over_planonly", "daemon_records"} {
		if v, ok := r[k].(float64); !ok || v <= 0 {
			t.Errorf("report's %s is %v, want a figure", k, r[k])
		}
	}
	if sp, ok := r["spread"].(map[string]any)["noindex_over_scan"].(map[string]any); !ok || sp["n"] != 2.0 {
		t.Errorf("report's spread %v: want noindex_over_scan over 2 pairs", r["spread"])
	}
	if r["incident_credential_over_scan"] != nil {
		t.Errorf("incident_credential_over_scan %v: the case did not run, want null", r["incident_credential_over_scan"])
	}
	if r["pairs"] != 600.0 || r["not_ready"].(float64) < 50 || r["sim_seconds"] != nil || r["pass_agents_observed"].(float64) == 0 {
		t.Errorf("report %v", r)
	}
}
