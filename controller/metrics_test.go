package controller

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// gather returns the registry's exposition text for the named metrics.
func gather(t *testing.T, m *Metrics, names ...string) string {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		for _, n := range names {
			if mf.GetName() == n {
				b.WriteString(mf.String() + "\n")
			}
		}
	}
	return b.String()
}

// TestNotReadyPairsAbsentUntilObserved: before the first observation the
// gauge is absent, not a 0 that looks like a healthy estate.
func TestNotReadyPairsAbsentUntilObserved(t *testing.T) {
	r := newRig(t, scenario(t, downScenario), "")
	m := r.ctl.metrics
	if n := testutil.CollectAndCount(m.notReady); n != 0 {
		t.Errorf("reconciler_not_ready_pairs has %d series before any observation", n)
	}
	r.pass() // the CMDB is down
	if n := testutil.CollectAndCount(m.notReady) + testutil.CollectAndCount(m.lastObs); n != 0 {
		t.Errorf("%d series after a failed observation, want none", n)
	}
	r.clk.Advance(2 * time.Hour)
	r.pass()
	if n := testutil.CollectAndCount(m.notReady); n != 1 {
		t.Errorf("%d series after an observation, want 1", n)
	}
}

// TestNotReadyPairsReflectTheLatestRead: the gauge is set from the read
// after the actions, not from the observation before them (which a CMDB
// outage at the next pass would leave in place).
func TestNotReadyPairsReflectTheLatestRead(t *testing.T) {
	for _, reread := range []bool{false, true} {
		r := newRig(t, scenario(t, lostScenario), "")
		r.ctl.readAfter = reread
		res := r.pass()
		if res.Applied() == 0 {
			t.Fatal("nothing applied")
		}
		want := 3.0 // the pre-action observation
		if reread {
			want = 0
		}
		if got := testutil.ToFloat64(r.ctl.metrics.notReady.WithLabelValues()); got != want {
			t.Errorf("read after apply %v: not_ready_pairs = %v, want %v", reread, got, want)
		}
		if rep := r.ctl.Report(); reread && rep.Totals.NotReady != 0 {
			t.Errorf("the health view after the re-read: %+v", rep.Totals)
		}
	}
}

// TestServersCountEveryServer: every in-scope server is counted, also
// those no pass saw, and every condition/status series stays (0) when
// no server has it, so an estate that got healthy does not vanish.
func TestServersCountEveryServer(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "")
	r.ctl.fleetEvery, r.ctl.readAfter = time.Hour, true
	m := r.ctl.metrics
	if n := testutil.CollectAndCount(m.servers); n != 12 {
		t.Errorf("%d reconciler_servers series at start, want 4 conditions x 3 statuses", n)
	}
	r.pass()
	for _, tc := range []struct {
		cond, status string
		want         float64
	}{
		{"PackagesReady", "True", 3}, {"PackagesReady", "False", 0}, {"PackagesReady", "Unknown", 0},
		{"Reachable", "True", 3}, {"Reachable", "Unknown", 0}, // the first pass sweeps every server
	} {
		if got := testutil.ToFloat64(m.servers.WithLabelValues(tc.cond, tc.status)); got != tc.want {
			t.Errorf("reconciler_servers{%s,%s} = %v, want %v", tc.cond, tc.status, got, tc.want)
		}
	}
	if n := testutil.CollectAndCount(m.servers); n != 12 {
		t.Errorf("%d series after the estate got healthy, want 12", n)
	}
}

// TestDeferralsCountedPerAction: an action held at three passes by the
// same rule is one deferral, not three.
func TestDeferralsCountedPerAction(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "approve = [\"resend_status\"]\n")
	for range 3 {
		r.pass()
		r.clk.Advance(time.Minute)
	}
	m := r.ctl.metrics
	if got := testutil.ToFloat64(m.deferrals.WithLabelValues("resend_status", "approval")); got != 1 {
		t.Errorf("reconciler_deferrals_total{resend_status,approval} = %v after three passes, want 1", got)
	}
	if got := m.Deferrals()["approval"]; got != 1 {
		t.Errorf("Deferrals()[approval] = %d", got)
	}
	if got := testutil.ToFloat64(m.actions.WithLabelValues("resend_status", "deferred")); got != 3 {
		t.Errorf("reconciler_actions_total{deferred} = %v, want one per pass", got)
	}
}

// TestNewMetrics: the build, the budgets' caps beside their use, the
// stalled servers and the notification deliveries are published.
func TestNewMetrics(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "limit \"resend_status\" {\n max = 5\n per = \"1h\"\n}\n")
	r.pass()
	m := r.ctl.metrics
	m.Notified("ops-teams", "sent")
	m.Notified("ops-teams", "sent")
	m.SetStalled(2)
	for _, tc := range []struct {
		name float64
		want float64
		what string
	}{
		{testutil.ToFloat64(m.budgetMax.WithLabelValues("resend_status")), 5, "budget_max"},
		{testutil.ToFloat64(m.budgetUsed.WithLabelValues("resend_status")), 1, "budget_used"},
		{testutil.ToFloat64(m.budget.WithLabelValues("resend_status")), 4, "budget_remaining"},
		{testutil.ToFloat64(m.notified.WithLabelValues("ops-teams", "sent")), 2, "notifications_total"},
		{testutil.ToFloat64(m.stalled), 2, "stalled_servers"},
	} {
		if tc.name != tc.want {
			t.Errorf("%s = %v, want %v", tc.what, tc.name, tc.want)
		}
	}
	text := gather(t, m, "reconciler_build_info")
	for _, l := range []string{`name:"version"`, `name:"revision"`, `name:"goversion"`, "value:1"} {
		if !strings.Contains(text, l) {
			t.Errorf("reconciler_build_info lacks %s: %s", l, text)
		}
	}
	var nilM *Metrics
	nilM.Notified("x", "sent") // a nil *Metrics records nothing
	nilM.SetStalled(1)
}

func TestMetricNames(t *testing.T) {
	names := NewMetrics().MetricNames()
	for _, want := range []string{"reconciler_notifications_total", "reconciler_not_ready_pairs", "reconciler_build_info",
		"reconciler_journal_healthy", "reconciler_pass_duration_seconds"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("MetricNames lacks %s: %v", want, names)
		}
	}
}
