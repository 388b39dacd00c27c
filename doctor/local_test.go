package doctor

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/leader"
	"github.com/itms-tools/reconciler/policy"
)

func runOne(c Check) []Result { return Run(context.Background(), []Check{c}).Results }

func TestPolicyCheck(t *testing.T) {
	p, err := policy.Parse([]byte("mode = \"enforce\"\nsite \"sim\" { dir = \"d\" }\ncredential { mode = \"anonymous\" }\n"+
		"limit \"delete_ps_snapshot\" {\n max = 5\n per = \"1h\"\n}\n"), filepath.Join(t.TempDir(), "p.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	rs := runOne(PolicyCheck("p.hcl", p, nil, []string{"WinRM TLS verification disabled by policy"}))
	if len(rs) != 3 || rs[0].Status != Pass || rs[1].Status != Warn || !strings.Contains(rs[1].Detail, "delete_ns_snapshot, delete_ps_status") ||
		rs[2].Status != Warn {
		t.Errorf("results: %+v", rs)
	}
	rs = runOne(PolicyCheck("p.hcl", nil, errors.New("p.hcl:3:1: Unsupported argument\nmore"), nil))
	if len(rs) != 1 || rs[0].Status != Fail || rs[0].Detail != "p.hcl:3:1: Unsupported argument" {
		t.Errorf("invalid policy: %+v", rs)
	}
}

func TestJournalCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	noKey := func() (audit.AnchorCheck, bool, error) { return audit.AnchorCheck{}, false, nil }
	if rs := runOne(JournalCheck(path, noKey)); len(rs) != 1 || rs[0].Status != Pass || !strings.Contains(rs[0].Detail, "none yet") {
		t.Errorf("no journal: %+v", rs)
	}
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if rs := runOne(JournalCheck(filepath.Join(file, "x", "audit.jsonl"), noKey)); rs[0].Status != Fail {
		t.Errorf("journal folder that cannot be made: %+v", rs)
	}
	j, err := audit.Open(path, audit.Options{Clock: clock.NewFake(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(audit.Record{Type: audit.TypeNote}); err != nil {
		t.Fatal(err)
	}
	rs := runOne(JournalCheck(path, noKey))
	st := statuses(Report{Results: rs})
	if st["journal "+path] != Pass || st["journal anchor "+path+".anchor"] != Warn || !strings.Contains(rs[2].Detail, "held by a running reconciler") {
		t.Errorf("open journal: %+v", rs)
	}
	j.Close()
	if rs := runOne(JournalCheck(path, noKey)); !strings.Contains(rs[2].Detail, "free") {
		t.Errorf("closed journal: %+v", rs[2])
	}
	lost := func() (audit.AnchorCheck, bool, error) {
		return audit.AnchorCheck{State: audit.AnchorBehind, Message: "records 5–9 missing"}, true, nil
	}
	if rs := runOne(JournalCheck(path, lost)); rs[1].Status != Fail || !strings.Contains(rs[1].Detail, "records 5–9 missing") {
		t.Errorf("behind its anchor: %+v", rs[1])
	}
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, bytes.Replace(b, []byte(`"note"`), []byte(`"nope"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if rs := runOne(JournalCheck(path, noKey)); rs[0].Status != Fail {
		t.Errorf("damaged chain: %+v", rs[0])
	}
}

func TestLeaderCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leader.lock")
	if rs := runOne(LeaderCheck(leader.NewFile(path))); rs[0].Status != Pass || !strings.Contains(rs[0].Detail, "free") {
		t.Errorf("free: %+v", rs)
	}
	held := leader.NewFile(path)
	if ok, err := held.TryAcquire(context.Background()); !ok || err != nil {
		t.Fatal(ok, err)
	}
	defer held.Release()
	if rs := runOne(LeaderCheck(leader.NewFile(path))); !strings.Contains(rs[0].Detail, "held by a running reconciler") {
		t.Errorf("held: %+v", rs)
	}
}

func TestListenCheck(t *testing.T) {
	if rs := runOne(ListenCheck("127.0.0.1:0", nil)); rs[0].Status != Pass {
		t.Errorf("free address: %+v", rs)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	for _, tc := range []struct {
		probe Probe
		want  Status
	}{
		{func(string) (bool, string, error) { return true, "ok", nil }, Pass},
		{func(string) (bool, string, error) { return false, "journal: disk full", nil }, Warn},
		{func(string) (bool, string, error) { return false, "", errors.New("not HTTP") }, Fail},
	} {
		rs := runOne(ListenCheck(addr, tc.probe))
		if rs[0].Status != tc.want {
			t.Errorf("busy address: %+v, want %s", rs[0], tc.want)
		}
	}
	if rs := runOne(ListenCheck("", nil)); rs[0].Status != Pass {
		t.Errorf("no endpoint: %+v", rs)
	}
}

func TestReportRendering(t *testing.T) {
	r := Run(context.Background(), []Check{
		Func("a", func(context.Context) []Result { return one(Pass, "fine", "") }),
		Func("b", func(context.Context) []Result {
			return []Result{{Target: "PS001", Status: Fail, Detail: "down", Fix: "start it"}}
		}),
		Func("c", func(context.Context) []Result { return one(Warn, "meh", "look") }),
	})
	if r.OK || r.Counts[Fail] != 1 || r.Counts[Warn] != 1 {
		t.Fatalf("report: %+v", r)
	}
	var b bytes.Buffer
	if err := WriteTable(&b, r); err != nil {
		t.Fatal(err)
	}
	want := "CHECK  TARGET  STATUS  DETAIL\na      -       PASS    fine\nb      PS001   FAIL    down\nc      -       WARN    meh\n\n" +
		"What to do:\n  b PS001 (fail): start it\n  c (warn): look\n\nNOT ready: 1 pass, 1 warn, 1 fail, 0 skipped.\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	if ok := Run(context.Background(), []Check{Func("w", func(context.Context) []Result { return one(Warn, "x", "y") })}); !ok.OK {
		t.Error("a warning fails the report")
	}
}
