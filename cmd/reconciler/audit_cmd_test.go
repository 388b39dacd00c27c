package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
)

const (
	pkgA = "6f1c9a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
	pkgB = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

// auditNow is the CLI's clock in audit tests: two hours after t0.
var auditNow = t0.Add(2 * time.Hour)

// sampleJournal writes a journal of two passes an hour apart in a temp
// dir, with a policy pointing at it, and returns both paths. Records
// (seq: time after t0):
//
//	 1-10 (1s-10s)  startup; pass-1: intent/applied resend_status PS001,
//	                intent/failed grant_acl PS002, deferred delete_ns_snapshot
//	                (limit), deferred set_credential_mode (approval), skipped
//	                delete_ps_snapshot (dry-run), pass_end
//	11-14 (1h11s-)  breaker tripped, approval, pass-2: intent update_configuration
//	15   (1h15s)    indeterminate, written by Open for the intent of seq 14
func sampleJournal(t *testing.T) (policyPath, journalPath string) {
	t.Helper()
	dir := t.TempDir()
	policyPath = simPolicy(t, dir, "")
	journalPath = filepath.Join(dir, "audit.jsonl")
	clk := clock.NewFake(t0)
	j, err := audit.Open(journalPath, audit.Options{Clock: clk, Actor: testActor})
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, j, clk, time.Second, firstPass()...)
	clk.Advance(time.Hour)
	appendAll(t, j, clk, time.Second, secondPass()...)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	j = openTestJournal(t, journalPath, clk) // adds the indeterminate record
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return policyPath, journalPath
}

func firstPass() []audit.Record {
	acl := audit.Reason{Cause: "acl_missing", Message: `CORP\svc-itms-acc lacks Full Control on Package Delivery`,
		Facts: []audit.Fact{{Name: "acl_principals", Value: "SYSTEM,Administrators"}}}
	lost := audit.Reason{Cause: "status_lost", Message: "PS001 would report Ready but the CMDB row is Invalid",
		Facts: []audit.Fact{{Name: "cmdb_status", Value: "Invalid"}}}
	step := func(t audit.Type, id, kind, server string, o audit.Outcome) audit.Record {
		return audit.Record{Type: t, Pass: "pass-1", Plan: "p-1", Action: id, Kind: kind, Server: server, Outcome: o}
	}
	withReason := func(r audit.Record, rs audit.Reason) audit.Record { r.Reasons = []audit.Reason{rs}; return r }
	failed := step(audit.TypeOutcome, "grant_acl:PS002", "grant_acl", "PS002", audit.Failed)
	failed.Error = "winrm PS002: connection refused\n\t\x1b[31mretry later"
	nsSnap := step(audit.TypeOutcome, "delete_ns_snapshot:NS/"+pkgA, "delete_ns_snapshot", "", audit.Deferred)
	nsSnap.Package, nsSnap.Rule = pkgA, "limit delete_ns_snapshot 10/1h"
	cred := step(audit.TypeOutcome, "set_credential_mode:NS:anonymous#1", "set_credential_mode", "", audit.Deferred)
	cred.Mode, cred.Rule = "anonymous", "approval"
	psSnap := step(audit.TypeOutcome, "delete_ps_snapshot:PS003/"+pkgB, "delete_ps_snapshot", "PS003", audit.Skipped)
	psSnap.Package, psSnap.Rule = pkgB, "mode dry-run"
	return []audit.Record{
		{Type: audit.TypeStartup, Detail: audit.JSON(map[string]string{"command": "run", "mode": "enforce"})},
		{Type: audit.TypePassStart, Pass: "pass-1", Detail: audit.JSON("scheduled")},
		withReason(step(audit.TypeIntent, "resend_status:PS001", "resend_status", "PS001", ""), lost),
		step(audit.TypeOutcome, "resend_status:PS001", "resend_status", "PS001", audit.Applied),
		withReason(step(audit.TypeIntent, "grant_acl:PS002", "grant_acl", "PS002", ""), acl),
		failed, nsSnap, cred, psSnap,
		{Type: audit.TypePassEnd, Pass: "pass-1", Detail: audit.JSON(map[string]int{"applied": 1, "failed": 1, "deferred": 2, "skipped": 1})},
	}
}

func secondPass() []audit.Record {
	notReceived := audit.Reason{Cause: "credential_not_received", Message: "PS004 has policy version 6, the NS 7"}
	return []audit.Record{
		{Type: audit.TypeBreaker, Detail: audit.JSON(map[string]string{"state": "tripped", "reason": "not-Ready pairs grew from 3 to 9 after a pass that acted"})},
		{Type: audit.TypeApproval, Plan: "p-1", Actor: audit.Actor{Host: "adminbox", User: "alice"},
			Detail: audit.JSON(map[string][]string{"actions": {"set_credential_mode:NS:anonymous#1"}})},
		{Type: audit.TypePassStart, Pass: "pass-2"},
		{Type: audit.TypeIntent, Pass: "pass-2", Plan: "p-2", Action: "update_configuration:PS004",
			Kind: "update_configuration", Server: "PS004", Reasons: []audit.Reason{notReceived}},
	}
}

// TestAuditTable checks the table for people against a golden file.
func TestAuditTable(t *testing.T) {
	pol, _ := sampleJournal(t)
	res := runCLI(t, clock.NewFake(auditNow), "audit", "--policy", pol)
	if res.code != exitOK || res.stderr != "" {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	golden(t, "audit/table.golden", res.stdout)
}

// TestAuditJSON checks that --json prints the selected lines exactly as
// stored, and against a golden file.
func TestAuditJSON(t *testing.T) {
	pol, path := sampleJournal(t)
	res := runCLI(t, clock.NewFake(auditNow), "audit", "--policy", pol, "--json", "--pass", "pass-1", "--type", "outcome")
	if res.code != exitOK || res.stderr != "" {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	golden(t, "audit/pass-1-outcomes.jsonl.golden", res.stdout)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	stored := strings.SplitAfter(string(b), "\n")
	if want := strings.Join(stored[3:4], "") + strings.Join(stored[5:9], ""); res.stdout != want {
		t.Errorf("--json lines differ from the stored seqs 4, 6-9:\n--- got\n%s--- want\n%s", res.stdout, want)
	}
}

// TestAuditFilters runs each filter and checks the seqs it selects.
func TestAuditFilters(t *testing.T) {
	pol, _ := sampleJournal(t)
	tests := []struct {
		name string
		args []string
		want []int64
	}{
		{"none", nil, seqs(1, 15)},
		{"since duration", []string{"--since", "90m"}, seqs(11, 15)},
		{"since time", []string{"--since", "2026-03-01T02:00:05Z"}, seqs(5, 15)},
		{"since time with offset", []string{"--since", "2026-03-01T04:00:05+01:00"}, seqs(11, 15)},
		{"until time", []string{"--until", "2026-03-01T02:00:05Z"}, seqs(1, 4)},
		{"until duration", []string{"--until", "1h"}, seqs(1, 10)},
		{"since and until", []string{"--since", "2026-03-01T02:00:03Z", "--until", "2026-03-01T02:00:05Z"}, []int64{3, 4}},
		{"server, any case", []string{"--server", "ps002"}, []int64{5, 6}},
		{"kind", []string{"--kind", "grant_acl"}, []int64{5, 6}},
		{"outcome deferred", []string{"--outcome", "deferred"}, []int64{7, 8}},
		{"outcome indeterminate", []string{"--outcome", "indeterminate"}, []int64{15}},
		{"plan", []string{"--plan", "p-2"}, []int64{14, 15}},
		{"type", []string{"--type", "approval"}, []int64{12}},
		{"pass", []string{"--pass", "pass-2"}, []int64{13, 14, 15}},
		{"combined", []string{"--pass", "pass-1", "--outcome", "failed"}, []int64{6}},
		{"no match", []string{"--server", "PS999"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"audit", "--policy", pol, "--json"}, tt.args...)
			res := runCLI(t, clock.NewFake(auditNow), args...)
			if res.code != exitOK {
				t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
			}
			if got := jsonSeqs(t, res.stdout); !slices.Equal(got, tt.want) {
				t.Errorf("seqs %v, want %v", got, tt.want)
			}
		})
	}
}

func seqs(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func jsonSeqs(t *testing.T, out string) []int64 {
	t.Helper()
	var got []int64
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var r audit.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got = append(got, r.Seq)
	}
	return got
}

// TestAuditErrors checks bad values, named by their flag, and other
// mistakes: exit 1 with a clear message.
func TestAuditErrors(t *testing.T) {
	pol, _ := sampleJournal(t)
	empty := simPolicy(t, t.TempDir(), "")
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"since word", []string{"--since", "yesterday", "--policy", pol}, `--since "yesterday": want a duration before now like 2h, a date like 2026-12-01`},
		{"since negative", []string{"--since", "-2h", "--policy", pol}, `--since "-2h": want a positive duration`},
		{"until bad", []string{"--until", "2026-03-01T25:00", "--policy", pol}, `--until "2026-03-01T25:00": want a duration`},
		{"since after until", []string{"--since", "1h", "--until", "2h", "--policy", pol}, "--since 2026-03-01T03:00:00Z is not before --until 2026-03-01T02:00:00Z"},
		{"kind", []string{"--kind", "reboot", "--policy", pol}, `--kind: unknown action kind "reboot"`},
		{"outcome", []string{"--outcome", "done", "--policy", pol}, `--outcome "done": want applied, failed, deferred, skipped or indeterminate`},
		{"type", []string{"--type", "bogus", "--policy", pol}, `--type "bogus": want one of intent, outcome,`},
		{"unknown flag", []string{"--servers", "PS1", "--policy", pol}, "flag provided but not defined: -servers"},
		{"positional", []string{"--policy", pol, "PS001"}, `unexpected argument "PS001"`},
		{"verify positional", []string{"verify", "--policy", pol, "x.jsonl"}, `audit verify: unexpected argument "x.jsonl"`},
		{"unknown verb", []string{"check", "--policy", pol}, `audit: unknown verb "check"`},
		{"invalid policy", []string{"--policy", writeFile(t, t.TempDir(), "p.hcl", invalidPolicy)}, "Unsupported argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, clock.NewFake(auditNow), append([]string{"audit"}, tt.args...)...)
			if res.code != exitError || !strings.Contains(res.stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit 1 and %q", res.code, res.stderr, tt.stderr)
			}
			if res.stdout != "" {
				t.Errorf("stdout %q, want none", res.stdout)
			}
		})
	}
	t.Run("missing journal", func(t *testing.T) {
		res := runCLI(t, clock.NewFake(auditNow), "audit", "--policy", empty)
		if res.code != exitError || !strings.Contains(res.stderr, "audit.jsonl does not exist") {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
	t.Run("no records match", func(t *testing.T) {
		res := runCLI(t, clock.NewFake(auditNow), "audit", "--policy", pol, "--server", "PS999")
		if res.code != exitOK || res.stdout != "" || !strings.Contains(res.stderr, "match") {
			t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
	})
}

// TestAuditVerify checks the chain of an intact, a tampered, a torn and a
// missing journal.
func TestAuditVerify(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string) // nil: intact
		code   int
		stdout []string // substrings; PATH and HEAD are replaced
		stderr []string
	}{
		{name: "intact", code: exitOK,
			stdout: []string{"journal PATH: 15 records verified, head HEAD\n"}},
		{name: "tampered record 3", damage: editSeq3, code: exitError,
			stderr: []string{"journal PATH: chain broken at seq 3: line at offset 568: hash does not match the content (record edited)\n",
				"2 records before it verified"}},
		{name: "torn tail", damage: appendBytes(`{"seq":16,"time":"2026-03-01T03:`), code: exitOK,
			stdout: []string{"journal PATH: 15 records verified, head HEAD\n",
				"note: torn last line of 32 bytes after seq 15 (a write cut short by a crash, or one in progress): not damage; it will be cut at the next open\n"}},
		{name: "last newline missing", damage: cutLastByte, code: exitOK,
			stdout: []string{"15 records verified", "note: last record (seq 15) lacks its newline (Open will add it)\n"}},
		{name: "missing", damage: func(t *testing.T, path string) { os.Remove(path) }, code: exitError,
			stderr: []string{"audit verify: journal PATH does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, path := sampleJournal(t)
			recs := readJournal(t, path)
			head := recs[len(recs)-1].Hash
			if tt.damage != nil {
				tt.damage(t, path)
			}
			res := runCLI(t, clock.NewFake(auditNow), "audit", "verify", "--policy", pol)
			if res.code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", res.code, tt.code, res.stderr)
			}
			subst := strings.NewReplacer("PATH", path, "HEAD", head)
			for _, s := range tt.stdout {
				if !strings.Contains(res.stdout, subst.Replace(s)) {
					t.Errorf("stdout lacks %q:\n%s", subst.Replace(s), res.stdout)
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(res.stderr, subst.Replace(s)) {
					t.Errorf("stderr lacks %q:\n%s", subst.Replace(s), res.stderr)
				}
			}
			if len(tt.stdout) == 0 && res.stdout != "" {
				t.Errorf("stdout %q, want none", res.stdout)
			}
		})
	}
}

// editSeq3 changes one byte of record 3: its server PS001 becomes PS007.
func editSeq3(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	edited := strings.Replace(lines[2], `"server":"PS001"`, `"server":"PS007"`, 1)
	if edited == lines[2] || !strings.HasPrefix(edited, `{"seq":3,`) {
		t.Fatalf("record 3 is not the expected one: %s", lines[2])
	}
	lines[2] = edited
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
}

func appendBytes(s string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		t.Helper()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func cutLastByte(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()-1); err != nil {
		t.Fatal(err)
	}
}

// cycleJournal writes a pass whose reset cycle served PS008 and PS011,
// with a resend on PS009, and returns the policy's path.
func cycleJournal(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	pol := simPolicy(t, dir, "")
	clk := clock.NewFake(t0)
	j := openTestJournal(t, filepath.Join(dir, "audit.jsonl"), clk)
	stuck := []audit.Reason{{Cause: "credential_stuck", Message: "reset cycle: set the NS to anonymous so stuck package servers drop their credential"}}
	stuckPS := func(ps string) []audit.Reason {
		return []audit.Reason{{Cause: "credential_stuck", Message: "applied anonymous, NS wants acc, though " + ps + " has the current policy version"}}
	}
	act := func(typ audit.Type, id, kind, server string, o audit.Outcome, rs []audit.Reason) audit.Record {
		return audit.Record{Type: typ, Pass: "pass-1", Plan: "p-1", Action: id, Kind: kind, Server: server, Outcome: o, Reasons: rs}
	}
	appendAll(t, j, clk, time.Second,
		audit.Record{Type: audit.TypePassStart, Pass: "pass-1"},
		act(audit.TypeIntent, "set_credential_mode:NS:anonymous#1", "set_credential_mode", "", "", stuck),
		act(audit.TypeOutcome, "set_credential_mode:NS:anonymous#1", "set_credential_mode", "", audit.Applied, nil),
		act(audit.TypeIntent, "update_configuration:PS008#1", "update_configuration", "PS008", "", stuckPS("PS008")),
		act(audit.TypeOutcome, "update_configuration:PS008#1", "update_configuration", "PS008", audit.Applied, nil),
		act(audit.TypeIntent, "update_configuration:PS011#1", "update_configuration", "PS011", "", stuckPS("PS011")),
		act(audit.TypeOutcome, "update_configuration:PS011#1", "update_configuration", "PS011", audit.Applied, nil),
		act(audit.TypeOutcome, "resend_status:PS009", "resend_status", "PS009", audit.Deferred,
			[]audit.Reason{{Cause: "status_lost", Message: "30 pairs not Ready (Invalid 30): the last report was lost"}}),
		audit.Record{Type: audit.TypePassEnd, Pass: "pass-1"})
	return pol
}

// TestAuditServerShowsTheNSActionsThatServedIt: --server PS008 lists
// PS008's actions and the reset cycle's NS action that served it, named
// in TARGET; outcome rows carry their intent's reasons, a deferral its
// own; --server NS lists the NS's actions.
func TestAuditServerShowsTheNSActionsThatServedIt(t *testing.T) {
	pol := cycleJournal(t)
	clk := clock.NewFake(auditNow)
	res := runCLI(t, clk, "audit", "--policy", pol, "--server", "ps008")
	if res.code != exitOK {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	golden(t, "audit/server-ps008.golden", res.stdout)
	if strings.Contains(res.stdout, "PS011#1") || strings.Contains(res.stdout, "PS009") {
		t.Errorf("another server's action is listed:\n%s", res.stdout)
	}
	res = runCLI(t, clk, "audit", "--policy", pol, "--server", "NS", "--type", "intent")
	if res.code != exitOK || strings.Count(res.stdout, "\n") != 2 || !strings.Contains(res.stdout, "NS → PS008, PS011") {
		t.Errorf("--server NS:\n%s", res.stdout)
	}
	res = runCLI(t, clk, "audit", "--policy", pol, "--outcome", "deferred")
	if !strings.Contains(res.stdout, "the last report was lost") {
		t.Errorf("a deferral without intent shows its own reason:\n%s", res.stdout)
	}
	res = runCLI(t, clk, "audit", "--policy", pol, "--server", "PS 8")
	if res.code != exitError || !strings.Contains(res.stderr, "--server") {
		t.Errorf("a malformed --server: exit %d, %s", res.code, res.stderr)
	}
}

// TestAuditDatesAndLocalTime: --since/--until take dates and zoneless
// times, in UTC or, with --local, in local time (the TIME column too).
func TestAuditDatesAndLocalTime(t *testing.T) {
	pol, _ := sampleJournal(t)
	clk := clock.NewFake(auditNow)
	for _, tc := range []struct {
		args []string
		want []int64
	}{
		{[]string{"--since", "2026-03-01"}, seqs(1, 15)},
		{[]string{"--until", "2026-03-01"}, nil},
		{[]string{"--since", "2026-03-01T03:00"}, seqs(11, 15)},
		{[]string{"--since", "2026-03-01 02:00:05", "--until", "2026-03-01T02:00:07"}, seqs(5, 6)},
	} {
		res := runCLI(t, clk, append([]string{"audit", "--json", "--policy", pol}, tc.args...)...)
		if got := jsonSeqs(t, res.stdout); !slices.Equal(got, tc.want) {
			t.Errorf("%q: seqs %v, want %v", tc.args, got, tc.want)
		}
	}
	old := time.Local
	time.Local = time.FixedZone("UTC+2", 2*3600)
	defer func() { time.Local = old }()
	res := runCLI(t, clk, "audit", "--policy", pol, "--local", "--since", "2026-03-01T05:00", "--type", "breaker")
	if res.code != exitOK || !strings.Contains(res.stdout, "2026-03-01T05:00:11+02:00") {
		t.Errorf("--local: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestAuditFitsTheTerminal: on a terminal each line fits its width, cut
// with "…"; elsewhere nothing is cut.
func TestAuditFitsTheTerminal(t *testing.T) {
	pol := cycleJournal(t)
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" },
		isTerminal: func(io.Writer) bool { return true }, termWidth: func(io.Writer) int { return 150 }, clock: clock.NewFake(auditNow)}
	if code := run(context.Background(), e, []string{"audit", "--policy", pol}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	cut := false
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if n := utf8.RuneCountInString(line); n > 150 {
			t.Errorf("line of %d runes on a 150-column terminal: %s", n, line)
		}
		cut = cut || strings.HasSuffix(line, "…")
	}
	if !cut {
		t.Errorf("nothing was cut:\n%s", stdout.String())
	}
	res := runCLI(t, clock.NewFake(auditNow), "audit", "--policy", pol)
	if strings.Contains(res.stdout, "…") {
		t.Errorf("cut when not on a terminal:\n%s", res.stdout)
	}
}
