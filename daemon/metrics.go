package daemon

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/itms-tools/reconciler/audit/rfc5424"
	"github.com/itms-tools/reconciler/controller"
)

// NewMetrics is every metric the daemon serves: the controller's, and the
// syslog forwarder's counts when there is one (f not nil).
func NewMetrics(f *rfc5424.Forwarder) *controller.Metrics {
	m := controller.NewMetrics()
	if f != nil {
		registerForwarder(m, f)
	}
	return m
}

// registerForwarder publishes the syslog forwarder's counts.
func registerForwarder(m *controller.Metrics, f *rfc5424.Forwarder) {
	counter := func(name, help string, v func(rfc5424.Stats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(v(f.Stats())) })
	}
	m.Registry.MustRegister(
		counter("reconciler_audit_forwarded_total", "Journal records sent to the syslog collector.",
			func(s rfc5424.Stats) int64 { return s.Sent }),
		counter("reconciler_audit_forward_dropped_total", "Journal records not forwarded (queue full, collector unreachable); the journal keeps them.",
			func(s rfc5424.Stats) int64 { return s.Dropped }),
		counter("reconciler_audit_forward_errors_total", "Failed connections and writes to the syslog collector.",
			func(s rfc5424.Stats) int64 { return s.Errors }))
}
