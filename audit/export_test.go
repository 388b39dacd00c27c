package audit

import (
	"strings"
	"testing"
)

func TestCSVRow(t *testing.T) {
	r := Record{Seq: 12, Time: t0, Type: TypeOutcome, Action: "grant_acl:PS002", Kind: "grant_acl", Server: "PS002",
		Package: "=HYPERLINK(\"http://x\")", Outcome: Failed, Error: "refused\n\t\x1b[31mretry",
		Rule: "-1+1", Actor: Actor{Host: "@host", PID: 7}, Detail: JSON(map[string]int{"n": 1}),
		Reasons: []Reason{{Cause: "acl_missing", Message: "m"}}, Prev: "p", Hash: "h"}
	row := CSVRow(r)
	if len(row) != len(CSVHeader) {
		t.Fatalf("%d cells for %d columns", len(row), len(CSVHeader))
	}
	cell := func(name string) string {
		for i, h := range CSVHeader {
			if h == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	for name, want := range map[string]string{
		"seq": "12", "time": "2026-03-01T02:00:00Z", "package": `'=HYPERLINK("http://x")`, "rule": "'-1+1",
		"actor_host": "'@host", "actor_pid": "7", "error": "refused\n\t\\x1b[31mretry", "detail": `{"n":1}`,
		"reasons": `[{"cause":"acl_missing","message":"m"}]`, "mode": "", "hash": "h",
	} {
		if got := cell(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestScrubForExport(t *testing.T) {
	r := Record{Seq: 1, Time: t0, Type: TypeNote, Error: "Server=db;Password=Hunter2;", Account: "CORP\\svc",
		Detail: JSON(map[string]string{"dsn": "sqlserver://sa:Hunter2@db"})}
	got := Scrub(r, []string{"CORP\\svc"})
	if strings.Contains(got.Error+string(got.Detail)+got.Account, "Hunter2") || got.Account != Redacted {
		t.Fatalf("Scrub = %+v", got)
	}
}
