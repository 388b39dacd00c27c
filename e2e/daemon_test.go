//go:build unix

package e2e

import (
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
)

// Bounds of the daemon test's waits. The schedule is @every 2s, so each
// is many passes long.
const (
	readyWithin    = 20 * time.Second
	repairWithin   = 60 * time.Second
	reloadWithin   = 15 * time.Second
	shutdownWithin = 15 * time.Second
)

// TestDaemon runs `reconciler run` on a broken estate until it is
// repaired, reads /metrics, reloads the policy (a valid change on a file
// change and on SIGHUP, then an invalid one), and stops it with SIGTERM.
func TestDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	addr := freeAddr(t)
	p := policyOpts{Schedule: "@every 2s", Concurrency: 4, Listen: addr}
	e := newEstate(t, binary(t, ""), "daemon.json", p)
	sd := listenNotify(t)
	d := startDaemon(e, addr, sd.env()...)
	start := time.Now()
	d.waitFor("READY=1 on the notify socket", readyWithin, func() bool { return sd.count("READY=1\n") == 1 })
	if count(readJournal(t, e.journalPath()), audit.TypeStartup) != 1 {
		t.Fatal("READY=1 sent before the journal was open")
	}
	d.waitFor("200 from /readyz", readyWithin, func() bool { code, _ := d.get("/readyz"); return code == 200 })
	d.waitFor("repaired estate (plan --detailed-exitcode 0)", repairWithin, func() bool {
		return e.run("", "plan", "--detailed-exitcode").code == 0
	})
	t.Logf("%s: ready and repaired in %s", d, time.Since(start).Round(time.Millisecond))
	checkMetrics(t, d)
	d.waitFor("two watchdog pings (WatchdogSec 2s)", readyWithin, func() bool { return sd.count("WATCHDOG=1") >= 2 })

	p.Mode = "dry-run"
	e.writePolicy(p)
	waitRecords(d, "policy_reload after the file changed", audit.TypePolicyReload, 1)
	d.signal(syscall.SIGHUP)
	waitRecords(d, "policy_reload after SIGHUP", audit.TypePolicyReload, 2)
	checkReloadedMode(t, e, "dry-run")
	d.waitFor("RELOADING=1 (with MONOTONIC_USEC) then READY=1 for each reload", reloadWithin, func() bool {
		return reloadsAnswered(sd.messages()) >= 2
	})

	if err := os.WriteFile(e.policyPath(), []byte("mode = \"enforce\"\nreconcile { schedule = \"not a cron spec\" }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitRecords(d, "policy_rejected after the file changed", audit.TypePolicyRejected, 1)
	d.signal(syscall.SIGHUP)
	waitRecords(d, "policy_rejected after SIGHUP", audit.TypePolicyRejected, 2)
	if code, body := d.get("/healthz"); code != 200 {
		t.Fatalf("after a rejected policy, /healthz = %d %q; want the daemon up", code, body)
	}

	d.waitFor("READY=1 after the rejected reloads", reloadWithin, func() bool {
		return reloadsAnswered(sd.messages()) >= 4
	})
	code, took := d.stop(shutdownWithin)
	if sd.count("STOPPING=1") != 1 {
		t.Errorf("no STOPPING=1 before the exit: %q", tail(strings.Join(sd.messages(), "|"), 500))
	}
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM; want 0; stderr:\n%s", code, tail(d.stderr.String(), 3000))
	}
	t.Logf("stopped by SIGTERM in %s", took.Round(time.Millisecond))
	checkShutdownJournal(t, e)
}

// reloadsAnswered returns how many reloads the messages show, each
// RELOADING=1 (with the MONOTONIC_USEC newer systemd needs) answered by a
// READY=1 before anything else but watchdog pings; -1 when one is not, or
// when the last is still open.
func reloadsAnswered(msgs []string) int {
	n, open := 0, false
	for _, m := range msgs {
		switch {
		case strings.HasPrefix(m, "RELOADING=1\nMONOTONIC_USEC="):
			if open {
				return -1
			}
			open = true
		case strings.HasPrefix(m, "RELOADING=1"):
			return -1
		case strings.HasPrefix(m, "READY=1") && open:
			n, open = n+1, false
		}
	}
	if open {
		return -1
	}
	return n
}

var metricLine = regexp.MustCompile(`^(reconciler_[a-z_]+)\{([^}]*)\} (\S+)$`)

// plainMetric is the value of an unlabelled metric in a scrape.
func plainMetric(body, name string) (float64, bool) {
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
	}
	return 0, false
}

// checkMetrics: passes and applied actions are counted.
func checkMetrics(t *testing.T, d *daemon) {
	t.Helper()
	code, body := d.get("/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d: %s", code, tail(body, 500))
	}
	sum := map[string]float64{}
	for _, l := range strings.Split(body, "\n") {
		m := metricLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", l, err)
		}
		sum[m[1]+"{"+m[2]+"}"] = v
		sum[m[1]] += v
	}
	for _, name := range []string{"reconciler_http_connections_open", "reconciler_http_connections_peak"} {
		if v, ok := plainMetric(body, name); !ok || v < 1 { // this scrape holds one
			t.Errorf("%s = %v (served %v), want at least 1", name, v, ok)
		}
	}
	if _, ok := plainMetric(body, "reconciler_notify_open_incidents"); !ok {
		t.Error("reconciler_notify_open_incidents not served")
	}
	if sum[`reconciler_passes_total{result="acted"}`] < 1 {
		t.Errorf("no acting pass counted in reconciler_passes_total: %v", sum)
	}
	for _, k := range []string{"delete_ns_snapshot", "delete_ps_snapshot", "delete_ps_status", "grant_acl", "update_configuration", "resend_status"} {
		if sum[`reconciler_actions_total{kind="`+k+`",outcome="applied"}`] < 1 {
			t.Errorf("reconciler_actions_total counts no applied %s", k)
		}
	}
}

// waitRecords waits until the journal holds at least n records of type typ.
func waitRecords(d *daemon, what string, typ audit.Type, n int) {
	d.e.t.Helper()
	d.waitFor(what, reloadWithin, func() bool {
		return count(readJournal(d.e.t, d.e.journalPath()), typ) >= n
	})
}

// checkReloadedMode: every policy_reload record names the mode.
func checkReloadedMode(t *testing.T, e *estate, mode string) {
	t.Helper()
	for _, r := range readJournal(t, e.journalPath()) {
		if r.Type != audit.TypePolicyReload {
			continue
		}
		var d struct{ Mode string }
		if err := json.Unmarshal(r.Detail, &d); err != nil || d.Mode != mode {
			t.Errorf("policy_reload seq %d: detail %s; want mode %q", r.Seq, r.Detail, mode)
		}
	}
}

// checkShutdownJournal: the chain verifies, every intent has its outcome,
// and the last record is the shutdown note.
func checkShutdownJournal(t *testing.T, e *estate) {
	t.Helper()
	verifyJournal(t, e.journalPath())
	recs := readJournal(t, e.journalPath())
	report(t, "intents", checkResolved(recs))
	if n := count(recs, audit.TypeIndeterminate) + count(recs, audit.TypeRecovered); n != 0 {
		t.Errorf("%d indeterminate or recovered records, with no crash", n)
	}
	last := recs[len(recs)-1]
	var d struct{ Event string }
	if last.Type != audit.TypeNote || json.Unmarshal(last.Detail, &d) != nil || d.Event != "shutdown" {
		t.Errorf("last record seq %d is %s %s; want the shutdown note", last.Seq, last.Type, last.Detail)
	}
}
