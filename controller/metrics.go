package controller

import (
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/buildinfo"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/policy"
)

// Metrics are the controller's Prometheus metrics, in their own registry.
// A nil *Metrics records nothing. The metric names are a contract: the
// alert rules and the dashboard in deploy/ use them (metrics_deploy_test.go
// checks that every name they use is registered).
type Metrics struct {
	Registry     *prometheus.Registry
	passes       *prometheus.CounterVec
	passDuration prometheus.Histogram
	actions      *prometheus.CounterVec
	deferrals    *prometheus.CounterVec
	budget       *prometheus.GaugeVec
	budgetMax    *prometheus.GaugeVec
	budgetUsed   *prometheus.GaugeVec
	notReady     *prometheus.GaugeVec // no labels: absent until the first observation
	servers      *prometheus.GaugeVec
	stalled      prometheus.Gauge
	paused       prometheus.Gauge
	pausedAll    prometheus.Gauge
	escalated    *prometheus.GaugeVec
	notified     *prometheus.CounterVec
	leaderG      prometheus.Gauge
	breakerG     prometheus.Gauge
	rejects      prometheus.Gauge
	lastPass     prometheus.Gauge
	lastObs      *prometheus.GaugeVec // no labels: absent until the first observation
	jm           journalMetrics
	held         map[string]string // action id → rule class of its counted hold
	own          []prometheus.Collector
	conflicts    prometheus.Gauge
	refused      *prometheus.GaugeVec
}

// NewMetrics registers every metric (and the Go and process collectors).
func NewMetrics() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry(), held: map[string]string{}}
	m.passes = counterVec("reconciler_passes_total", "Passes by result: acted, idle, follower, observe_failed, error; skipped counts schedule times that went by during a pass.", "result")
	m.passDuration = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "reconciler_pass_duration_seconds",
		Help: "Duration of passes.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)})
	m.actions = counterVec("reconciler_actions_total", "Actions by kind and outcome (applied, failed, deferred, skipped).", "kind", "outcome")
	m.deferrals = counterVec("reconciler_deferrals_total", "Actions deferred or skipped, by kind and the class of rule that held them (limit, window, dependency, approval, blast_radius, breaker, mode, scope, after): an action is counted when it becomes held and when the rule holding it changes, not at every pass it stays held.", "kind", "rule")
	m.budget = gaugeVec("reconciler_budget_remaining", "Actions left in the rolling window of each limited kind.", "kind")
	m.budgetMax = gaugeVec("reconciler_budget_max", "The cap of each limited kind: at most this many actions in any window of the limit's length.", "kind")
	m.budgetUsed = gaugeVec("reconciler_budget_used", "Actions of each limited kind counted in its rolling window now (max minus remaining).", "kind")
	m.notReady = gaugeVec("reconciler_not_ready_pairs", "Pairs not Ready at the last read of the CMDB (in scope, excluding malformed rows and downloads in grace); absent until the first observation.")
	m.servers = gaugeVec("reconciler_servers", "In-scope servers by condition and status: every server known (from the CMDB's server list and the passes), every condition and status present, 0 when none.", "condition", "status")
	m.stalled = gauge("reconciler_stalled_servers", "Servers whose remedies were applied and verified not effective at every rung: no more actions until their evidence changes or an admin retries them.")
	m.paused = gauge("reconciler_paused_servers", "Servers an admin paused by name (reconciler pause SERVER): no actions on them until reconciler resume SERVER.")
	m.pausedAll = gauge("reconciler_paused_all", "1 while an admin's reconciler pause (without SERVER) holds every server and the NS.")
	m.escalated = gaugeVec("reconciler_escalated_servers", "Servers on each escalation rung above the first: 1 Procedure 1, 2 Procedure 2, 3 stalled (one series per rung, not per server).", "rung")
	m.notified = counterVec("reconciler_notifications_total", "Notification deliveries by receiver and outcome (delivered, failed: an attempt that will be retried, gave_up, dropped, superseded).", "receiver", "outcome")
	m.leaderG = gauge("reconciler_leader", "1 when this controller holds the leader lock and may act.")
	m.breakerG = gauge("reconciler_breaker_open", "1 when the circuit breaker pauses enforcement.")
	m.rejects = gauge("reconciler_rejected_rows", "Rows and answers refused as malformed at the last observation.")
	m.lastPass = gauge("reconciler_last_pass_timestamp_seconds", "End time of the last pass (Unix seconds).")
	m.lastObs = gaugeVec("reconciler_last_observation_timestamp_seconds", "Time of the last read of the CMDB that succeeded (Unix seconds); absent until the first.")
	in := buildinfo.Read()
	build := prometheus.NewGauge(prometheus.GaugeOpts{Name: "reconciler_build_info",
		Help:        "Always 1; the labels name the running build.",
		ConstLabels: prometheus.Labels{"version": in.Version, "revision": in.Revision, "goversion": in.GoVersion}})
	build.Set(1)
	m.own = []prometheus.Collector{m.passes, m.passDuration, m.actions, m.deferrals, m.budget, m.budgetMax, m.budgetUsed,
		m.notReady, m.servers, m.stalled, m.paused, m.pausedAll, m.escalated, m.notified, m.leaderG, m.breakerG, m.rejects, m.lastPass, m.lastObs, build}
	m.Registry.MustRegister(m.own...)
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.jm = newJournalMetrics(m.Registry)
	m.conflicts = gauge("reconciler_cmdb_conflicts", "Facts the CMDB stated two ways at the last observation (nothing is planned for them).")
	m.refused = gaugeVec("reconciler_credentials_refused", "1 while a login the far side refused is no longer tried, by source (winrm, cmdb).", "source")
	m.Registry.MustRegister(m.conflicts, m.refused)
	m.own = append(m.own, m.conflicts, m.refused)
	m.own = append(m.own, m.jm.healthy, m.jm.errors)
	for r := actions.RungProcedure1; r <= actions.RungStalled; r++ {
		m.escalated.WithLabelValues(strconv.Itoa(int(r))).Set(0)
	}
	for _, t := range health.ConditionTypes {
		for _, st := range []health.Status{health.True, health.False, health.Unknown} {
			m.servers.WithLabelValues(string(t), string(st)).Set(0)
		}
	}
	return m
}

// descName reads a metric's name from its description.
var descName = regexp.MustCompile(`fqName: "([^"]+)"`)

// MetricNames lists the names of the reconciler's own metrics (not the Go
// and process collectors'), including the vectors that hold no series
// yet: what alert rules and dashboards may name.
func (m *Metrics) MetricNames() []string {
	ch := make(chan *prometheus.Desc, 64)
	go func() {
		for _, c := range m.own {
			c.Describe(ch)
		}
		close(ch)
	}()
	var names []string
	for d := range ch {
		if sub := descName.FindStringSubmatch(d.String()); sub != nil {
			names = append(names, sub[1])
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
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

// Notified counts one notification delivery to receiver with its outcome
// (notify.Outcome: delivered, failed, gave_up, dropped, superseded), as
// the daemon journals it.
func (m *Metrics) Notified(receiver, outcome string) {
	if m == nil {
		return
	}
	m.notified.WithLabelValues(receiver, outcome).Inc()
}

// SetStalled publishes how many servers are stalled (the escalation
// ladder's last rung).
func (m *Metrics) SetStalled(n int) {
	if m == nil {
		return
	}
	m.stalled.Set(float64(n))
}

// ladder publishes the ladder: the stalled servers, the pauses, and how
// many servers are on each rung above the first.
func (m *Metrics) ladder(l *guard.Ladder) {
	if m == nil || l == nil {
		return
	}
	m.SetStalled(len(l.Stalled()))
	holds := l.Holds()
	_, all := holds[""]
	delete(holds, "")
	m.paused.Set(float64(len(holds)))
	m.pausedAll.Set(boolGauge(all))
	on := map[actions.Rung]int{}
	for _, st := range l.Steps() {
		r := st.Rung
		if st.Stalled != "" {
			r = actions.RungStalled
		}
		on[r]++
	}
	for r := actions.RungProcedure1; r <= actions.RungStalled; r++ {
		m.escalated.WithLabelValues(strconv.Itoa(int(r))).Set(float64(on[r]))
	}
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
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

// executed counts the pass's actions by kind and outcome, and each held
// action once per hold: when it becomes held, or held by another class of
// rule than at the last pass that planned it.
func (m *Metrics) executed(res PassResult) {
	if m == nil {
		return
	}
	planned := map[string]bool{}
	for _, a := range res.Plan.Actions {
		planned[a.ID] = true
		s, ok := res.Exec.Steps[a.ID]
		if !ok {
			continue
		}
		m.actions.WithLabelValues(string(a.Kind), string(s.Outcome)).Inc()
		if s.Rule() == "" {
			delete(m.held, a.ID)
			continue
		}
		class := s.Held.ClassName()
		if m.held[a.ID] != class {
			m.held[a.ID] = class
			m.deferrals.WithLabelValues(string(a.Kind), class).Inc()
		}
	}
	for id := range m.held {
		if !planned[id] {
			delete(m.held, id)
		}
	}
}

// Deferrals returns the holds counted so far by rule class
// (actions.HoldClasses), every kind summed: an action counted once per hold.
func (m *Metrics) Deferrals() map[string]int {
	out := map[string]int{}
	for _, c := range actions.HoldClasses {
		out[string(c)] = 0
	}
	ch := make(chan prometheus.Metric, 64)
	go func() { m.deferrals.Collect(ch); close(ch) }()
	for metric := range ch {
		var d dto.Metric
		if err := metric.Write(&d); err != nil || d.Counter == nil {
			continue
		}
		for _, l := range d.Label {
			if l.GetName() == "rule" {
				out[l.GetValue()] += int(d.Counter.GetValue())
			}
		}
	}
	return out
}

// observed publishes what a read of the site found: the not-Ready pairs,
// the rejects, and every in-scope server known by condition and status
// (rep is the merged health view, see Controller.fleet). A read that
// failed changes nothing: the figures stay those of the last read.
func (m *Metrics) observed(obs *observed.Observation, rep health.Report) {
	if m == nil || obs.CMDBErr != nil {
		return
	}
	m.notReady.WithLabelValues().Set(float64(rep.Totals.NotReady))
	m.lastObs.WithLabelValues().Set(float64(obs.At.Unix()))
	m.rejects.Set(float64(len(obs.Rejects)))
	m.conflicts.Set(float64(len(obs.Conflicts)))
	counts := map[[2]string]int{}
	for _, s := range rep.Servers {
		for _, c := range s.Conditions {
			counts[[2]string{string(c.Type), string(c.Status)}]++
		}
	}
	for r := actions.RungProcedure1; r <= actions.RungStalled; r++ {
		m.escalated.WithLabelValues(strconv.Itoa(int(r))).Set(0)
	}
	for _, t := range health.ConditionTypes {
		for _, st := range []health.Status{health.True, health.False, health.Unknown} {
			m.servers.WithLabelValues(string(t), string(st)).Set(float64(counts[[2]string{string(t), string(st)}]))
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

// gates publishes the budgets — cap, use and what is left — and the
// breaker state.
func (m *Metrics) gates(p *policy.Policy, l *guard.Limiter, b *guard.Breaker, now time.Time) {
	if m == nil {
		return
	}
	for _, x := range p.Limits {
		left := l.Remaining(x.Kind, now)
		k := string(x.Kind)
		m.budget.WithLabelValues(k).Set(float64(left))
		m.budgetMax.WithLabelValues(k).Set(float64(x.Max))
		m.budgetUsed.WithLabelValues(k).Set(float64(max(x.Max-left, 0)))
	}
	m.breakerG.Set(boolFloat(b.State().Open))
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
