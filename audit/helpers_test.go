package audit

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/clock"
)

var (
	t0         = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	fixedActor = Actor{Host: "adminbox", User: `CORP\svc-reconciler`, PID: 4242}
)

const (
	pkgA = "6f1c9a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
	pkgB = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

// testJournal opens a journal in a temp dir with a fake clock and a fixed
// actor.
func testJournal(t testing.TB, opt Options) (string, *Journal, *clock.Fake) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	fc := clock.NewFake(t0)
	if opt.Clock == nil {
		opt.Clock = fc
	}
	return path, reopen(t, path, opt), fc
}

// reopen opens path with defaults for the fields opt leaves empty.
func reopen(t testing.TB, path string, opt Options) *Journal {
	t.Helper()
	if opt.Clock == nil {
		opt.Clock = clock.NewFake(t0)
	}
	if opt.Actor == (Actor{}) {
		opt.Actor = fixedActor
	}
	j, err := Open(path, opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return j
}

// intent and outcome build the records an executor writes.
func intent(pass, action, kind, server string) Record {
	return Record{Type: TypeIntent, Pass: pass, Plan: "p-1", Action: action, Kind: kind,
		Server: server, Rule: "limit " + kind + " 20/1h",
		Reasons: []Reason{{Cause: "status_lost", Message: "row not Ready",
			Facts: []Fact{{Name: "cmdb_status", Value: "Invalid"}}}}}
}

func outcome(pass, action, kind, server string, o Outcome) Record {
	return Record{Type: TypeOutcome, Pass: pass, Plan: "p-1", Action: action, Kind: kind,
		Server: server, Outcome: o}
}

// sampleRecords is a small journal with every common type.
func sampleRecords() []Record {
	return []Record{
		{Type: TypeStartup, Detail: JSON(map[string]any{"transport": "https", "mode": "enforce"})},
		{Type: TypePassStart, Pass: "pass-1", Detail: JSON("scheduled")},
		intent("pass-1", "resend_status:PS001", "resend_status", "PS001"),
		outcome("pass-1", "resend_status:PS001", "resend_status", "PS001", Applied),
		{Type: TypeOutcome, Pass: "pass-1", Plan: "p-1", Action: "delete_ns_snapshot:NS/" + pkgA,
			Kind: "delete_ns_snapshot", Package: pkgA, Outcome: Deferred,
			Rule: "limit delete_ns_snapshot 20/1h"},
		intent("pass-1", "grant_acl:PS002", "grant_acl", "PS002"),
		outcome("pass-1", "grant_acl:PS002", "grant_acl", "PS002", Failed),
		{Type: TypePassEnd, Pass: "pass-1", Detail: JSON(map[string]int{"applied": 1, "failed": 1, "deferred": 1})},
		{Type: TypeNote, Detail: JSON("quiet")},
		{Type: TypePassStart, Pass: "pass-2"},
	}
}

// writeRecords appends rs to a new journal, one minute apart, and returns
// its path and bytes.
func writeRecords(t testing.TB, rs []Record) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	fc := clock.NewFake(t0)
	j := reopen(t, path, Options{Clock: fc})
	for _, r := range rs {
		if _, err := j.Append(r); err != nil {
			t.Fatalf("Append %s: %v", r.Type, err)
		}
		fc.Advance(time.Minute)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return path, readFile(t, path)
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// splitLines splits journal bytes into lines, each with its newline.
func splitLines(b []byte) [][]byte {
	return bytes.SplitAfter(b, []byte("\n"))[:bytes.Count(b, []byte("\n"))]
}

// readRecords returns every record of path.
func readRecords(t testing.TB, path string) []Record {
	t.Helper()
	var rs []Record
	if err := ReadAll(path, func(r Record) error { rs = append(rs, r); return nil }); err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	return rs
}

// mustVerify fails the test unless path verifies with no torn tail.
func mustVerify(t testing.TB, path string) VerifyResult {
	t.Helper()
	v, err := Verify(path)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !v.OK() || v.Torn != 0 {
		t.Fatalf("Verify = %+v, want intact", v)
	}
	return v
}

// detailOf decodes a record's detail object.
func detailOf(t testing.TB, r Record) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Detail, &m); err != nil {
		t.Fatalf("detail %s: %v", r.Detail, err)
	}
	return m
}
