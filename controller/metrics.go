package controller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"

	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/policy"
)

// Metrics are the controller's Prometheus metrics, in their own registry.
// A nil *Metrics records nothing.
type Metrics struct {
	Registry     *prometheus.Registry
	passes       *prometheus.CounterVec
	passDuration prometheus.Histogram
	actions      *prometheus.CounterVec
	deferrals    *prometheus.CounterVec
	budget       *prometheus.GaugeVec
	notReady     prometheus.Gauge
	servers      *prometheus.GaugeVec
	leaderG      prometheus.Gauge
	breakerG     prometheus.Gauge
	rejects      prometheus.Gauge
	lastPass     prometheus.Gauge
	jm           journalMetrics
	conflicts    prometheus.Gauge
	refused      *prometheus.GaugeVec
}

// NewMetrics registers every metric (and the Go and process collectors).
func NewMetrics() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.passes = counterVec("reconciler_passes_total", "Passes by result: acted, idle, follower, observe_failed, error; skipped counts schedule times that went by during a pass.", "result")
	m.passDuration = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "reconciler_pass_duration_seconds",
		Help: "Duration of passes.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)})
	m.actions = counterVec("reconciler_actions_total", "Actions by kind and outcome (applied, failed, deferred, skipped).", "kind", "outcome")
	m.deferrals = counterVec("reconciler_deferrals_total", "Deferred or skipped actions by the rule that held them (limit, window, dependency, approval, blast_radius, breaker, mode, scope, after).", "rule")
	m.budget = gaugeVec("reconciler_budget_remaining", "Actions left in the rolling window of each limited kind.", "kind")
	m.notReady = gauge("reconciler_not_ready_pairs", "Pairs not Ready at the last observation (in scope, excluding malformed rows).")
	m.servers = gaugeVec("reconciler_servers", "Servers observed in the last pass by condition and status.", "condition", "status")
	m.leaderG = gauge("reconciler_leader", "1 when this controller holds the leader lock and may act.")
	m.breakerG = gauge("reconciler_breaker_open", "1 when the circuit breaker pauses enforcement.")
	m.rejects = gauge("reconciler_rejected_rows", "Rows and answers refused as malformed at the last observation.")
	m.lastPass = gauge("reconciler_last_pass_timestamp_seconds", "End time of the last pass (Unix seconds).")
	m.Registry.MustRegister(m.passes, m.passDuration, m.actions, m.deferrals, m.budget, m.notReady,
		m.servers, m.leaderG, m.breakerG, m.rejects, m.lastPass,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.jm = newJournalMetrics(m.Registry)
	m.conflicts = gauge("reconciler_cmdb_conflicts", "Facts the CMDB stated two ways at the last observation (nothing is planned for them).")
	m.refused = gaugeVec("reconciler_credentials_refused", "1 while a login the far side refused is no longer tried, by source (winrm, cmdb).", "source")
	m.Registry.MustRegister(m.conflicts, m.refused)
	return m
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

func gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
}

func (m *Metrics) pass(res PassResult) {
	if m == nil {
		return
	}
	m.passes.WithLabelValues(passResult(res)).Inc()
	m.passDuration.Observe(res.End.Sub(res.Start).Seconds())
	m.lastPass.Set(float64(res.End.Unix()))
}

func passResult(res PassResult) string {
	switch {
	case res.Err != nil:
		return "error"
	case res.Obs != nil && (res.Obs.CMDBErr != nil || res.Obs.NSErr != nil):
		return "observe_failed"
	case !res.Leader:
		return "follower"
	case res.Applied() > 0:
		return "acted"
	}
	return "idle"
}

func (m *Metrics) skipped(n int) {
	if m == nil {
		return
	}
	m.passes.WithLabelValues("skipped").Add(float64(n))
}

func (m *Metrics) executed(res PassResult) {
	if m == nil {
		return
	}
	for _, a := range res.Plan.Actions {
		s, ok := res.Exec.Steps[a.ID]
		if !ok {
			continue
		}
		m.actions.WithLabelValues(string(a.Kind), string(s.Outcome)).Inc()
		if s.Rule != "" {
			m.deferrals.WithLabelValues(guard.RuleClass(s.Rule)).Inc()
		}
	}
}

// Deferrals returns the deferred or skipped actions counted so far by rule
// class (guard.RuleClasses), a held action counted at every pass.
func (m *Metrics) Deferrals() map[string]int {
	out := map[string]int{}
	for _, c := range guard.RuleClasses {
		out[c] = int(testutilValue(m.deferrals.WithLabelValues(c)))
	}
	return out
}

// testutilValue reads a counter's value.
func testutilValue(c prometheus.Counter) float64 {
	var d dto.Metric
	if err := c.Write(&d); err != nil || d.Counter == nil {
		return 0
	}
	return d.Counter.GetValue()
}

func (m *Metrics) observed(obs *observed.Observation, rep health.Report) {
	if m == nil || obs.CMDBErr != nil {
		return
	}
	m.notReady.Set(float64(rep.Totals.NotReady))
	m.rejects.Set(float64(len(obs.Rejects)))
	m.conflicts.Set(float64(len(obs.Conflicts)))
	m.servers.Reset()
	for _, s := range rep.Servers {
		for _, c := range s.Conditions {
			m.servers.WithLabelValues(string(c.Type), string(c.Status)).Inc()
		}
	}
}

// credentials sets the refused-login gauges.
func (m *Metrics) credentials(cs []health.Credential) {
	if m == nil {
		return
	}
	m.refused.Reset()
	for _, c := range cs {
		m.refused.WithLabelValues(c.Source).Set(1)
	}
}

func (m *Metrics) leader(lead bool) {
	if m == nil {
		return
	}
	m.leaderG.Set(boolFloat(lead))
}

// gates publishes budgets and the breaker state.
func (m *Metrics) gates(p *policy.Policy, l *guard.Limiter, b *guard.Breaker, now time.Time) {
	if m == nil {
		return
	}
	for _, x := range p.Limits {
		m.budget.WithLabelValues(string(x.Kind)).Set(float64(l.Remaining(x.Kind, now)))
	}
	m.breakerG.Set(boolFloat(b.State().Open))
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
