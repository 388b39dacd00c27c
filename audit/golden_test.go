package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/clock"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

const goldenPath = "testdata/journal.golden.jsonl"

// goldenJournal writes a small journal covering every record type: a first
// run that crashes with an intent open and a torn line, then a restart.
func goldenJournal(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	fc := clock.NewFake(t0)
	opt := Options{Clock: fc, Actor: fixedActor}
	j, err := Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	steps := []time.Duration{0, 1500 * time.Millisecond, 123456789, time.Second, 2 * time.Second}
	for i, r := range goldenRecords() {
		fc.Advance(steps[i%len(steps)])
		if _, err := j.Append(r); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
	j.Close()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"seq":16,"time":"2026-03-01T02:00`) // crash mid-write
	f.Close()
	fc.Advance(10 * time.Minute)
	j, err = Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	j.Append(Record{Type: TypeStartup, Detail: JSON(map[string]any{"recovered": len(j.Recovered())})})
	j.Close()
	return readFile(t, path)
}

func goldenRecords() []Record {
	drift := []Reason{{Cause: "ns_credential_drift", Message: "NS credential differs from the policy",
		Facts: []Fact{{Name: "ns_credential", Value: "anonymous"}, {Name: "policy_credential", Value: `acc CORP\svc-itms-acc`}}}}
	return []Record{
		{Type: TypeStartup, Detail: JSON(map[string]any{"transport": "winrm-http", "insecure": true, "mode": "enforce"})},
		{Type: TypePolicyReload, Detail: JSON(map[string]string{"file": "policy.hcl", "sha256": "9f2c…"})},
		{Type: TypePassStart, Pass: "pass-0001", Detail: JSON("scheduled")},
		{Type: TypeIntent, Pass: "pass-0001", Plan: "p-3a9c51e07b2d", Action: "set_credential_mode:NS:acc",
			Kind: "set_credential_mode", Mode: "acc", Account: `CORP\svc-itms-acc`, Reasons: drift, Rule: "approval"},
		{Type: TypeOutcome, Pass: "pass-0001", Plan: "p-3a9c51e07b2d", Action: "set_credential_mode:NS:acc",
			Kind: "set_credential_mode", Mode: "acc", Account: `CORP\svc-itms-acc`, Outcome: Applied},
		{Type: TypeOutcome, Pass: "pass-0001", Plan: "p-3a9c51e07b2d", Action: "delete_ns_snapshot:NS/" + pkgA,
			Kind: "delete_ns_snapshot", Package: pkgA, Outcome: Deferred, Rule: "limit delete_ns_snapshot 20/1h"},
		{Type: TypeOutcome, Pass: "pass-0001", Plan: "p-3a9c51e07b2d", Action: "delete_ps_snapshot:PS003/" + pkgA,
			Kind: "delete_ps_snapshot", Server: "PS003", Package: pkgA, Outcome: Skipped,
			Rule: "dependency delete_ns_snapshot:NS/" + pkgA},
		{Type: TypeIntent, Pass: "pass-0001", Plan: "p-3a9c51e07b2d", Action: "grant_acl:PS005",
			Kind: "grant_acl", Server: "PS005", Account: `CORP\svc-itms-acc`, Rule: "limit grant_acl 50/1h"},
		{Type: TypeOutcome, Pass: "pass-0001", Plan: "p-3a9c51e07b2d", Action: "grant_acl:PS005",
			Kind: "grant_acl", Server: "PS005", Account: `CORP\svc-itms-acc`, Outcome: Failed,
			Error: "winrm PS005: dial tcp 10.0.0.5:5986: i/o timeout"},
		{Type: TypeIntent, Pass: "pass-0001", Plan: "p-3a9c51e07b2d", Action: "resend_status:PS006",
			Kind: "resend_status", Server: "PS006", Rule: "window weeknights"},
		{Type: TypeBreaker, Detail: JSON(map[string]any{"state": "tripped", "not_ready_before": 12, "not_ready_after": 40})},
		{Type: TypePassEnd, Pass: "pass-0001", Detail: JSON(map[string]int{"applied": 1, "failed": 1, "deferred": 1, "skipped": 1})},
		{Type: TypeApproval, Plan: "p-3a9c51e07b2d", Action: "delete_ns_snapshot:NS/" + pkgB,
			Actor: Actor{Host: "ws17", User: `CORP\alice`, PID: 5150}},
		{Type: TypePolicyRejected, Error: `policy.hcl:12:3: unsupported argument "maxx"`},
		{Type: TypeNote, Detail: JSON("breaker reset by hand")},
	}
}

func TestGolden(t *testing.T) {
	got := goldenJournal(t)
	if *update {
		if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := readFile(t, goldenPath)
	if !bytes.Equal(got, want) {
		t.Fatalf("journal differs from %s (run go test ./audit -run Golden -update):\n%s", goldenPath, got)
	}
	if v := mustVerify(t, goldenPath); v.Records != 18 {
		t.Fatalf("golden has %d records", v.Records)
	}
}

// The documented recipe verifies the golden file without this package:
// strip the hash member, SHA-256 the rest, chain prev to hash.
func TestGoldenVerifiesByRecipe(t *testing.T) {
	hashMember := regexp.MustCompile(`,"hash":"([0-9a-f]{64})"\}$`)
	prevMember := regexp.MustCompile(`,"prev":"([0-9a-f]*)"`)
	prev := ""
	for i, l := range bytes.Split(bytes.TrimSuffix(readFile(t, goldenPath), []byte("\n")), []byte("\n")) {
		m := hashMember.FindSubmatchIndex(l)
		if m == nil {
			t.Fatalf("line %d has no trailing hash member", i+1)
		}
		canon := append(bytes.Clone(l[:m[0]]), '}')
		sum := sha256.Sum256(canon)
		if got := hex.EncodeToString(sum[:]); got != string(l[m[2]:m[3]]) {
			t.Fatalf("line %d: sha256 %s, stored %s", i+1, got, l[m[2]:m[3]])
		}
		p := prevMember.FindSubmatch(l)
		if p == nil || string(p[1]) != prev {
			t.Fatalf("line %d: prev %q, want %q", i+1, p, prev)
		}
		prev = string(l[m[2]:m[3]])
	}
}
