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
	appendTo("agents.jsonl", out("agents", "--policy", policy, "--servers", "20", "--latency", "1ms", "--runs", "1"))
	appendTo("plan.jsonl", out("plan", "--policy", policy, "--servers", "10", "--causes", "100", "--runs", "1"))
	var r map[string]any
	if err := json.Unmarshal([]byte(out("report", "--estate", busy, "--idle", idle, "--results", results)), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"servers", "packages", "pairs", "not_ready", "scan_seconds", "pass_seconds", "pass_over_scan",
		"idle_scan_seconds", "idle_pass_seconds", "idle_over_scan", "peak_rss_mb", "observe_agents_seconds",
		"plan_seconds_10k_causes", "sim_seconds"} {
		if _, ok := r[k]; !ok {
			t.Errorf("report lacks %s: %v", k, r)
		}
	}
	if r["pairs"] != 600.0 || r["not_ready"].(float64) < 50 || r["sim_seconds"] != nil || r["pass_agents_observed"].(float64) == 0 {
		t.Errorf("report %v", r)
	}
}
