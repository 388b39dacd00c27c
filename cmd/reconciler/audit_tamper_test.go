package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
)

// Reliability test 2 through the CLI: `audit verify` names the first bad
// seq of a journal whose records were deleted, reordered or had a byte
// flipped, and a torn tail is cut, alone, by the next command that opens
// the journal. The journal-level tables are audit's TestTamperDetected,
// TestFlippedByteDetected and TestTornTailCut; TestAuditVerify covers an
// edited record and a torn tail here.

// journalLines splits the journal at path into lines (with newlines).
func journalLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
}

func writeLines(t *testing.T, path string, lines []string) {
	t.Helper()
	s := strings.Join(lines, "")
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAuditVerifyNamesTheFirstBadSeq(t *testing.T) {
	tests := []struct {
		name   string
		damage func(ls []string) []string
		code   int
		want   string // on stderr when broken, stdout when intact
	}{
		{"record 5 deleted", func(ls []string) []string { return append(ls[:4:4], ls[5:]...) },
			exitError, "chain broken at seq 5"},
		{"records 7 and 8 swapped", func(ls []string) []string { ls[6], ls[7] = ls[7], ls[6]; return ls },
			exitError, "chain broken at seq 7"},
		{"a byte flipped in the middle of record 9", func(ls []string) []string {
			b := []byte(ls[8])
			b[len(b)/2] ^= 0x04
			ls[8] = string(b)
			return ls
		}, exitError, "chain broken at seq 9"},
		{"record 12 duplicated", func(ls []string) []string {
			return append(ls[:12:12], append([]string{ls[11]}, ls[12:]...)...)
		}, exitError, "chain broken at seq 13"},
		{"the first record deleted", func(ls []string) []string { return ls[1:] }, exitError, "chain broken at seq 1"},
		// Known gap R2-1: a chain has no outside anchor, so whole records
		// cut from its end leave a shorter chain that verifies.
		{"the last two records deleted (gap R2-1)", func(ls []string) []string { return ls[:len(ls)-2] },
			exitOK, "13 records verified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, path := sampleJournal(t)
			writeLines(t, path, tt.damage(journalLines(t, path)))
			res := runCLI(t, clock.NewFake(auditNow), "audit", "verify", "--policy", pol)
			out := res.stdout
			if tt.code != exitOK {
				out = res.stderr
			}
			if res.code != tt.code || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", res.code, tt.code, tt.want, res.stdout, res.stderr)
			}
			if tt.code != exitOK && !strings.Contains(res.stderr, fmt.Sprintf("%d records before it verified", firstBad(tt.want)-1)) {
				t.Errorf("stderr does not say how many records verified before the damage:\n%s", res.stderr)
			}
		})
	}
}

func firstBad(s string) int {
	var n int
	fmt.Sscanf(s[strings.LastIndex(s, " ")+1:], "%d", &n)
	return n
}

// A torn tail is cut by the next command that opens the journal for
// writing (here `run --once`): every complete record before it stays
// byte for byte, a recovered record says what was cut, and the journal
// then verifies without a torn note.
func TestRunOnceCutsOnlyTheTornTail(t *testing.T) {
	pol, path := sampleJournal(t)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	torn := `{"seq":16,"time":"2026-03-01T03:00:02Z","type":"intent","pass":"pass-3","act`
	appendBytes(torn)(t, path)

	res := runCLI(t, clock.NewFake(auditNow), "audit", "verify", "--policy", pol)
	if res.code != exitOK || !strings.Contains(res.stdout, fmt.Sprintf("torn last line of %d bytes after seq 15", len(torn))) {
		t.Fatalf("verify before: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = runCLI(t, clock.NewFake(auditNow), "run", "--once", "--policy", pol)
	if res.code != exitOK {
		t.Fatalf("run --once: exit %d\n%s", res.code, res.stderr)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(after, orig) {
		t.Fatal("the records before the torn tail changed")
	}
	if bytes.Contains(after, []byte(torn)) {
		t.Fatal("the torn tail is still there")
	}
	next := strings.SplitN(string(after[len(orig):]), "\n", 2)[0]
	var rec audit.Record
	if err := json.Unmarshal([]byte(next), &rec); err != nil || rec.Type != audit.TypeRecovered || rec.Seq != 16 {
		t.Fatalf("record after the cut: %s (%v)", next, err)
	}
	var d map[string]any
	if err := json.Unmarshal(rec.Detail, &d); err != nil || d["cut_bytes"] != float64(len(torn)) || d["after_seq"] != float64(15) {
		t.Fatalf("recovered detail %s, want cut_bytes %d after_seq 15", rec.Detail, len(torn))
	}
	res = runCLI(t, clock.NewFake(auditNow), "audit", "verify", "--policy", pol)
	if res.code != exitOK || strings.Contains(res.stdout, "torn") {
		t.Fatalf("verify after: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
