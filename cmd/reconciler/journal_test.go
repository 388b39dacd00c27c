package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/daemon"
	"github.com/itms-tools/reconciler/leader"
)

// Issue 13 item 5: `run --once` opened and appended to the journal before
// it checked leadership. A process that does not lead must write nothing.
func TestRunOnceWritesNothingWithoutLeadership(t *testing.T) {
	dir := t.TempDir()
	p := demoPolicy(t, dir, demoLimits)
	clk := clock.NewFake(t0)
	args := []string{"run", "--once", "--policy", p, "--log-level", "error"}
	if res := runCLI(t, clk, args...); res.code != exitOK {
		t.Fatalf("first run: exit %d: %s", res.code, res.stderr)
	}
	journal := filepath.Join(dir, "audit.jsonl")
	before := readBytes(t, journal)
	lk := leader.NewFile(filepath.Join(dir, "site", "leader.lock")) // another daemon leads
	if ok, err := lk.TryAcquire(context.Background()); !ok || err != nil {
		t.Fatalf("take the leader lock: %v %v", ok, err)
	}
	defer lk.Release()
	clk.Advance(time.Hour)
	res := runCLI(t, clk, args...)
	if res.code != exitError || !strings.Contains(res.stderr, "not the leader") || !strings.Contains(res.stderr, "`reconciler plan` shows what its next pass would do") {
		t.Fatalf("run --once without leadership: exit %d, stderr %q", res.code, res.stderr)
	}
	if after := readBytes(t, journal); !bytes.Equal(after, before) {
		t.Fatalf("a process that does not lead wrote %d bytes to the journal", len(after)-len(before))
	}
}

// Issue 13 item 5: deleting audit.jsonl.lock while a process holds the
// journal let a second one in; two writers broke the chain.
func TestDeletedLockFileKeepsTheSecondRunOut(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows refuses to delete an open lock file")
	}
	dir := t.TempDir()
	p := demoPolicy(t, dir, demoLimits)
	clk := clock.NewFake(t0)
	args := []string{"run", "--once", "--policy", p, "--log-level", "error"}
	runCLI(t, clk, args...)
	journal := filepath.Join(dir, "audit.jsonl")
	holder := openTestJournal(t, journal, clk) // the running daemon
	if err := os.Remove(audit.LockPath(journal)); err != nil {
		t.Fatal(err)
	}
	before := readBytes(t, journal)
	res := runCLI(t, clk, args...)
	if res.code != exitError || !strings.Contains(res.stderr, "in use by another process") {
		t.Fatalf("second run: exit %d, stderr %q", res.code, res.stderr)
	}
	if !bytes.Equal(readBytes(t, journal), before) {
		t.Fatal("the second run wrote to the journal")
	}
	if _, err := holder.Append(audit.Record{Type: audit.TypeNote}); err == nil {
		t.Fatal("the holder appended without noticing its lock file is gone")
	}
	if err := holder.Check(); err != nil {
		t.Fatalf("holder Check = %v, want the lock re-taken", err)
	}
	if _, err := holder.Append(audit.Record{Type: audit.TypeNote}); err != nil {
		t.Fatal(err)
	}
	holder.Close()
	if v, err := audit.Verify(journal); err != nil || !v.OK() {
		t.Fatalf("chain after: %+v %v", v, err)
	}
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// R2-1: the review cut records from the end of the journal and got the
// budget back; `audit verify` passed. The anchor names the missing tail,
// verify fails, and the next run counts every destructive budget as spent.
func TestCutJournalIsCaughtByTheAnchor(t *testing.T) {
	dir := t.TempDir()
	p := demoPolicy(t, dir, demoLimits)
	clk := clock.NewFake(t0)
	args := []string{"--policy", p, "--log-level", "error"}
	if res := runCLI(t, clk, append([]string{"run", "--once"}, args...)...); res.code != exitOK {
		t.Fatalf("run: exit %d: %s", res.code, res.stderr)
	}
	journal := filepath.Join(dir, "audit.jsonl")
	recs := readJournal(t, journal)
	cut := -1
	for i, r := range recs {
		if r.Type == audit.TypeIntent && r.Kind == "delete_ns_snapshot" {
			cut = i
			break
		}
	}
	if cut < 0 {
		t.Fatal("the demo's first pass deleted no NS snapshot")
	}
	lines := bytes.SplitAfter(readBytes(t, journal), []byte("\n"))
	if err := os.WriteFile(journal, bytes.Join(lines[:cut], nil), 0o600); err != nil {
		t.Fatal(err)
	}
	last := recs[len(recs)-1].Seq
	clk.Advance(5 * time.Minute) // past the demo's CMDB outage, within the hour
	res := runCLI(t, clk, append([]string{"audit", "verify"}, args...)...)
	want := "records " + itoa(recs[cut].Seq) + "–" + itoa(last) + " missing: the anchor of 2026-03-01T02:00:00Z saw seq " + itoa(last)
	if res.code != exitError || !strings.Contains(res.stderr, want) || !strings.Contains(res.stdout, "records verified") {
		t.Fatalf("audit verify: exit %d\nstdout %s\nstderr %s\nwant %q", res.code, res.stdout, res.stderr, want)
	}
	var st statusJSON
	res = runCLI(t, clk, append([]string{"status", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(res.stdout), &st); err != nil {
		t.Fatal(err)
	}
	if st.Budgets[0].Remaining != 0 || st.Journal.Anchor == nil || st.Journal.Anchor.State != audit.AnchorBehind {
		t.Fatalf("status after the cut: budgets %+v, anchor %+v", st.Budgets, st.Journal.Anchor)
	}
	if res := runCLI(t, clk, append([]string{"run", "--once"}, args...)...); res.code != exitOK {
		t.Fatalf("run after the cut: exit %d: %s", res.code, res.stderr)
	}
	st = statusJSON{}
	res = runCLI(t, clk, append([]string{"status", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(res.stdout), &st); err != nil {
		t.Fatal(err)
	}
	if st.Budgets[0].Remaining != 0 || st.Journal.Anchor == nil || st.Journal.Anchor.State != audit.AnchorOK {
		t.Fatalf("status after the run recorded the loss: budgets %+v, anchor %+v", st.Budgets, st.Journal.Anchor)
	}
	after := readJournal(t, journal)
	startup := after[cut]
	if startup.Type != audit.TypeStartup || !strings.Contains(string(startup.Detail), `"journal_lost":true`) ||
		!strings.Contains(string(startup.Detail), `"state":"behind"`) {
		t.Fatalf("startup record after the cut: %s %s", startup.Type, startup.Detail)
	}
	if res := runCLI(t, clk, append([]string{"audit", "verify"}, args...)...); res.code != exitOK {
		t.Fatalf("verify after the loss was recorded and re-anchored: exit %d: %s", res.code, res.stderr)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A forged anchor (seq lowered to hide a cut) is refused by verify.
func TestForgedAnchorRefusedByVerify(t *testing.T) {
	dir := t.TempDir()
	p := demoPolicy(t, dir, demoLimits)
	clk := clock.NewFake(t0)
	runCLI(t, clk, "run", "--once", "--policy", p, "--log-level", "error")
	journal := filepath.Join(dir, "audit.jsonl")
	var a audit.Anchor
	if err := json.Unmarshal(readBytes(t, audit.AnchorPath(journal)), &a); err != nil {
		t.Fatal(err)
	}
	a.Seq--
	b, _ := json.Marshal(a)
	if err := os.WriteFile(audit.AnchorPath(journal), b, 0o600); err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, clk, "audit", "verify", "--policy", p)
	if res.code != exitError || !strings.Contains(res.stderr, "forged") {
		t.Fatalf("verify with a forged anchor: exit %d, stderr %q", res.code, res.stderr)
	}
}

// Issue 13 item 8: /healthz and /readyz said 200 while the journal could
// not be written.
func TestHealthEndpointsReportTheJournal(t *testing.T) {
	dir := t.TempDir()
	p := demoPolicy(t, dir, demoLimits)
	clk := clock.NewFake(t0)
	journal := filepath.Join(dir, "audit.jsonl")
	runCLI(t, clk, "status", "--policy", p, "--log-level", "error") // creates the site
	j := openTestJournal(t, journal, clk)
	ctl := daemonController(t, p, j, clk)
	if _, err := ctl.ReconcileOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _ := probe(ctl, path); code != http.StatusOK {
			t.Fatalf("%s = %d with a healthy journal", path, code)
		}
	}
	if err := os.Truncate(journal, 0); err != nil { // copytruncate under the daemon
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if res, _ := ctl.ReconcileOnce(context.Background()); res.Applied() != 0 || res.Leader {
		t.Fatalf("pass on a truncated journal: leader %v, applied %d", res.Leader, res.Applied())
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		code, body := probe(ctl, path)
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "audit journal cannot be written") ||
			!strings.Contains(body, "truncated") {
			t.Fatalf("%s = %d %q, want 503 naming the journal", path, code, body)
		}
	}
}

func probe(ctl *controller.Controller, path string) (int, string) {
	rec := httptest.NewRecorder()
	h := daemon.Healthz(ctl)
	if path == "/readyz" {
		h = daemon.Readyz(ctl)
	}
	h(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

// The policy's syslog block forwards every record the run writes to the
// collector, as RFC 5424 with the record's JSON.
func TestRunForwardsRecordsToSyslog(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no UDP: %v", err)
	}
	defer pc.Close()
	dir := t.TempDir()
	p := demoPolicy(t, dir, demoLimits)
	text := strings.Replace(readString(t, p), "audit {\n  path = \"audit.jsonl\"\n}",
		"audit {\n  path = \"audit.jsonl\"\n  syslog {\n    address = \"udp://"+pc.LocalAddr().String()+"\"\n  }\n}", 1)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if res := runCLI(t, clock.NewFake(t0), "run", "--once", "--policy", p, "--log-level", "error"); res.code != exitOK {
		t.Fatalf("run: exit %d: %s", res.code, res.stderr)
	}
	recs := readJournal(t, filepath.Join(dir, "audit.jsonl"))
	pc.SetReadDeadline(time.Now().Add(30 * time.Second)) // a guard against a hang, not a timed assertion
	buf := make([]byte, 1<<16)
	for i, want := range recs {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("datagram %d of %d: %v", i+1, len(recs), err)
		}
		msg := string(buf[:n])
		if !strings.HasPrefix(msg, "<1") || !strings.Contains(msg, " reconciler ") ||
			!strings.Contains(msg, " "+string(want.Type)+" - \xEF\xBB\xBF{") || !strings.Contains(msg, `"hash":"`+want.Hash+`"`) {
			t.Fatalf("datagram %d is not record seq %d as RFC 5424: %q", i+1, want.Seq, msg)
		}
	}
}

// TestRunOnceBesideADaemonHoldingTheJournal: run --once while another
// process holds the journal says so and points to plan.
func TestRunOnceBesideADaemonHoldingTheJournal(t *testing.T) {
	dir := t.TempDir()
	p := demoPolicy(t, dir, demoLimits)
	clk := clock.NewFake(t0)
	openTestJournal(t, filepath.Join(dir, "audit.jsonl"), clk)
	res := runCLI(t, clk, "run", "--once", "--policy", p, "--log-level", "error")
	if res.code != exitError || !strings.Contains(res.stderr, "holds the journal") || !strings.Contains(res.stderr, "`reconciler plan`") {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestSecondDaemonOnTheSamePortNamesTheSetting: a daemon whose
// http.listen is taken says which setting to change.
func TestSecondDaemonOnTheSamePortNamesTheSetting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	p := demoPolicy(t, dir, "http {\n  listen = \""+ln.Addr().String()+"\"\n}\n")
	res := runCLI(t, clock.NewFake(t0), "run", "--policy", p, "--log-level", "error")
	if res.code != exitError || !strings.Contains(res.stderr, "set http.listen in "+p) {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}
