package controller

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/inbox"
)

// TestLadderMetrics: after each pass the gauges count the stalled and
// paused servers, the pause of every server, and the servers per rung.
func TestLadderMetrics(t *testing.T) {
	r := stalledRig(t)
	m := r.ctl.metrics
	check := func(when string, stalled, paused, all, rung3 float64) {
		t.Helper()
		for _, tc := range []struct {
			what      string
			got, want float64
		}{
			{"reconciler_stalled_servers", testutil.ToFloat64(m.stalled), stalled},
			{"reconciler_paused_servers", testutil.ToFloat64(m.paused), paused},
			{"reconciler_paused_all", testutil.ToFloat64(m.pausedAll), all},
			{`reconciler_escalated_servers{rung="3"}`, testutil.ToFloat64(m.escalated.WithLabelValues("3")), rung3},
			{`reconciler_escalated_servers{rung="1"}`, testutil.ToFloat64(m.escalated.WithLabelValues("1")), 0},
		} {
			if tc.got != tc.want {
				t.Errorf("%s: %s = %v, want %v", when, tc.what, tc.got, tc.want)
			}
		}
	}
	r.pass()
	check("stalled", 1, 0, 0, 1)
	for _, req := range []inbox.Request{{Type: audit.TypePause, Server: "PS002"}, {Type: audit.TypePause}} {
		req.At = r.clk.Now()
		if _, err := inbox.Submit(r.pol.Audit.Path, req); err != nil {
			t.Fatal(err)
		}
	}
	ingest(t, r)
	r.pass()
	check("paused", 1, 1, 1, 1)
	if _, err := inbox.Submit(r.pol.Audit.Path, inbox.Request{Type: audit.TypeRetry, Server: "PS001", At: r.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	ingest(t, r)
	r.pass()
	check("retried", 0, 1, 1, 0)
	if n := len(r.ctl.metrics.MetricNames()); n == 0 {
		t.Fatal("no metric names")
	}
}
