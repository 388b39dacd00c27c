package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/clock"
)

// unknownScenario breaks one server's credential each way KB 179719 knows
// (stuck, not received) and loses another's status report.
const unknownScenario = `{"name": "unknown", "seed": 7, "servers": 4, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "duration": "1h",
  "faults": [{"kind": "credential_stuck", "servers": ["PS002"]},
             {"kind": "credential_not_received", "servers": ["PS003"]},
             {"kind": "status_lost", "servers": ["PS004"], "packages": 1}]}`

// unknownPolicy writes a policy for unknownScenario; hide switches the
// simulator to observing agents as the real driver does.
func unknownPolicy(t *testing.T, hide bool) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "unknown.json", unknownScenario)
	site := "site \"sim\" {\n  dir      = \"site\"\n  scenario = \"unknown.json\"\n"
	if hide {
		site += "  hide_credential_facts = true\n"
	}
	text := site + "}\ncredential {\n  mode    = \"acc\"\n  account = \"CORP\\\\svc-itms-acc\"\n}\n" +
		"audit {\n  path = \"audit.jsonl\"\n}\n"
	return writeFile(t, dir, "policy.hcl", text)
}

// TestUnknownCredentialStatusAndPlanGolden: on a site whose credential
// facts cannot be observed, status shows them unknown with why, and plan
// proposes nothing global (the same estate with the facts shown plans the
// reset cycle: see TestUnknownCredentialHidesTheResetCycle).
func TestUnknownCredentialStatusAndPlanGolden(t *testing.T) {
	p := unknownPolicy(t, true)
	clk := clock.NewFake(t0)
	for _, tc := range []struct {
		golden string
		args   []string
		code   int
	}{
		{"unknown/status.txt", []string{"status"}, exitOK},
		{"unknown/plan.txt", []string{"plan", "--detailed-exitcode"}, exitChanges},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			res := runCLI(t, clk, append(tc.args, "--policy", p, "--log-level", "error")...)
			if res.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", res.code, tc.code, res.stderr)
			}
			golden(t, tc.golden, strings.ReplaceAll(res.stdout, filepath.Dir(p), "$DIR"))
		})
	}
	status := runCLI(t, clk, "status", "--policy", p, "--log-level", "error").stdout
	for _, want := range []string{"CredentialUnknown", "applied credential unknown: hidden by the simulator"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q", want)
		}
	}
}

// TestUnknownCredentialHidesTheResetCycle: the reset cycle planned when the
// facts are shown is not planned when they are hidden; the servers whose
// evidence points at the credential get update and resend instead.
func TestUnknownCredentialHidesTheResetCycle(t *testing.T) {
	for _, tc := range []struct {
		hide       bool
		wantGlobal bool
	}{{false, true}, {true, false}} {
		res := runCLI(t, clock.NewFake(t0), "plan", "--json", "--policy", unknownPolicy(t, tc.hide), "--log-level", "error")
		var plan actions.Plan
		if err := json.Unmarshal([]byte(res.stdout), &plan); err != nil {
			t.Fatalf("hide=%t: %v\n%s", tc.hide, err, res.stderr)
		}
		global, updated := false, map[string]bool{}
		for _, a := range plan.Actions {
			switch a.Kind {
			case actions.SetCredentialMode:
				global = true
			case actions.UpdateConfiguration:
				updated[string(a.Target.Server)] = true
			}
		}
		if global != tc.wantGlobal {
			t.Errorf("hide=%t: set_credential_mode planned %t, want %t", tc.hide, global, tc.wantGlobal)
		}
		if tc.hide && (!updated["PS002"] || !updated["PS003"] || updated["PS004"]) {
			t.Errorf("hide=%t: update_configuration on %v, want PS002 and PS003", tc.hide, updated)
		}
	}
}

// TestPlanJSONFormatVersions: plan --json says its format version; version
// 2 (the default) spells the held keys in lower case, version 1 keeps the
// first shape.
func TestPlanJSONFormatVersions(t *testing.T) {
	p := unknownPolicy(t, true) // dry-run: every action held
	for _, tc := range []struct {
		args          []string
		version       float64
		rule, outcome string
	}{
		{nil, 2, "rule", "outcome"},
		{[]string{"--format-version", "2"}, 2, "rule", "outcome"},
		{[]string{"--format-version", "1"}, 1, "Rule", "Outcome"},
	} {
		args := append([]string{"plan", "--json", "--policy", p, "--log-level", "error"}, tc.args...)
		res := runCLI(t, clock.NewFake(t0), args...)
		var out struct {
			FormatVersion *float64                  `json:"format_version"`
			Held          map[string]map[string]any `json:"held"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &out); err != nil || res.code != exitOK {
			t.Fatalf("%q: exit %d, %v", args, res.code, err)
		}
		if out.FormatVersion == nil || *out.FormatVersion != tc.version {
			t.Errorf("%q: format_version %v, want %v", args, out.FormatVersion, tc.version)
		}
		if len(out.Held) == 0 {
			t.Fatalf("%q: no held actions", args)
		}
		for id, h := range out.Held {
			rule, _ := h[tc.rule].(string)
			if rule == "" || h[tc.outcome] != "skipped" && h[tc.outcome] != "deferred" || len(h) != 2 {
				t.Errorf("%q: held %s = %v, want keys %s and %s", args, id, h, tc.rule, tc.outcome)
			}
		}
		if !strings.HasPrefix(res.stdout, "{\n  \"format_version\": ") {
			t.Errorf("format_version is not the first key:\n%.80s", res.stdout)
		}
	}
	res := runCLI(t, clock.NewFake(t0), "plan", "--json", "--format-version", "3", "--policy", p)
	if res.code != exitError || !strings.Contains(res.stderr, "want 1 or 2") {
		t.Errorf("--format-version 3: exit %d, %s", res.code, res.stderr)
	}
}
