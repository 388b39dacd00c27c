package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	validPolicy = "site \"sim\" { dir = \"d\" }\ncredential { mode = \"anonymous\" }\n" +
		"limit \"grant_acl\" {\n  max = 1\n  per = \"1h\"\n}\n" +
		"window \"w\" {\n  schedule = \"@daily\"\n  duration = \"1h\"\n  deny = [\"grant_acl\"]\n}\n"
	invalidPolicy = "site \"sim\" { dir = \"d\" }\ncredential { mode = \"anonymous\" }\n" +
		"reconcile { schedul = \"@hourly\" }\nlimit \"grant_acls\" {\n  max = 1\n  per = \"1h\"\n}\n"
)

// TestPolicyCheck runs `reconciler policy ...` in-process.
func TestPolicyCheck(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.hcl", validPolicy)
	bad := writeFile(t, dir, "bad.hcl", invalidPolicy)
	missing := filepath.Join(dir, "missing.hcl")
	repo := filepath.Join("..", "..", "policy.hcl")
	tests := []struct {
		name     string
		args     []string
		terminal bool
		code     int
		stdout   string   // exact
		stderr   []string // substrings
	}{
		{name: "valid positional", args: []string{"check", good}, code: exitOK,
			stdout: good + ": valid (mode dry-run, site sim, 1 limit, 1 window, 0 approvals)\n"},
		{name: "valid --policy", args: []string{"check", "--policy", good}, code: exitOK,
			stdout: good + ": valid (mode dry-run, site sim, 1 limit, 1 window, 0 approvals)\n"},
		{name: "repo policy", args: []string{"check", repo}, code: exitOK,
			stdout: repo + ": valid (mode enforce, site sim, 3 limits, 0 windows, 0 approvals)\n"},
		{name: "invalid", args: []string{"check", bad}, code: exitError, stderr: []string{
			bad + ":3:13: Error: Unsupported argument", `Did you mean "schedule"?`,
			bad + ":4:7: Error: Unknown action kind", `  on ` + bad + ` line 4, in limit "grant_acls":`,
		}},
		{name: "invalid on a terminal", args: []string{"check", bad}, terminal: true, code: exitError,
			stderr: []string{bad + ":3:13: \x1b[31mError\x1b[0m: Unsupported argument"}},
		{name: "missing file", args: []string{"check", missing}, code: exitError,
			stderr: []string{"Cannot read policy file " + missing}},
		{name: "two files", args: []string{"check", good, bad}, code: exitError, stderr: []string{"at most one FILE"}},
		{name: "bad flag", args: []string{"check", "--nope"}, code: exitError, stderr: []string{"flag provided but not defined"}},
		{name: "check help", args: []string{"check", "-h"}, code: exitOK, stderr: []string{"usage: reconciler policy check"}},
		{name: "unknown verb", args: []string{"lint", good}, code: exitError, stderr: []string{`unknown verb "lint"`, "usage:"}},
		{name: "no verb", args: nil, code: exitError, stderr: []string{"usage: reconciler policy check"}},
		{name: "help", args: []string{"-h"}, code: exitOK, stderr: []string{"usage: reconciler policy check"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			e := &env{stdout: &stdout, stderr: &stderr, getenv: os.Getenv,
				isTerminal: func(io.Writer) bool { return tt.terminal }}
			code := run(context.Background(), e, append([]string{"policy"}, tt.args...))
			if code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if stdout.String() != tt.stdout {
				t.Errorf("stdout = %q, want %q", stdout.String(), tt.stdout)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}

// TestPolicyCheckRelative checks relative paths from the current folder:
// policy.hcl by default, and diagnostics that name the file as typed.
func TestPolicyCheckRelative(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "policy.hcl", validPolicy)
	writeFile(t, dir, "bad.hcl", invalidPolicy)
	t.Chdir(dir)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string // prefix
	}{
		{"default file", []string{"check"}, exitOK,
			"policy.hcl: valid (mode dry-run, site sim, 1 limit, 1 window, 0 approvals)\n", ""},
		{"relative invalid", []string{"check", "bad.hcl"}, exitError, "", "bad.hcl:3:13: Error: Unsupported argument\n"},
		{"relative via --policy", []string{"check", "--policy=./bad.hcl"}, exitError, "", "./bad.hcl:3:13: Error: Unsupported argument\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			e := &env{stdout: &stdout, stderr: &stderr, getenv: os.Getenv, isTerminal: func(io.Writer) bool { return false }}
			if code := run(context.Background(), e, append([]string{"policy"}, tt.args...)); code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if stdout.String() != tt.stdout {
				t.Errorf("stdout = %q, want %q", stdout.String(), tt.stdout)
			}
			if !strings.HasPrefix(stderr.String(), tt.stderr) {
				t.Errorf("stderr does not start with %q:\n%s", tt.stderr, stderr.String())
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPolicyCheckJSON pins `policy check -json`: Terraform-like
// diagnostics with ranges, exit 1 when invalid, 0 when valid.
func TestPolicyCheckJSON(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.hcl", invalidPolicy)
	good := writeFile(t, dir, "good.hcl", validPolicy)
	res := runCLI(t, nil, "policy", "check", "-json", bad)
	if res.code != exitError {
		t.Errorf("invalid: exit %d, want 1", res.code)
	}
	golden(t, "policy/check-invalid.json", strings.ReplaceAll(res.stdout, dir, "$DIR"))
	res = runCLI(t, nil, "policy", "check", "--json", good)
	if res.code != exitOK || res.stdout != "{\n  \"valid\": true,\n  \"error_count\": 0,\n  \"warning_count\": 0,\n  \"diagnostics\": []\n}\n" {
		t.Errorf("valid: exit %d, stdout %s", res.code, res.stdout)
	}
	res = runCLI(t, nil, "policy", "check", "-json", filepath.Join(dir, "missing.hcl"))
	if res.code != exitError || !strings.Contains(res.stdout, `"error_count": 1`) {
		t.Errorf("missing: exit %d, stdout %s", res.code, res.stdout)
	}
}
