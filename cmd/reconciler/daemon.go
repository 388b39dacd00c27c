package main

import (
	"context"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/audit/rfc5424"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/httpserve"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/policy"
)

// shutdownGrace bounds how long the HTTP server may take to stop.
const shutdownGrace = 5 * time.Second

// runDaemon runs the controller loop until SIGINT/SIGTERM (the context),
// reloading the policy on SIGHUP and when its file changes. It serves
// /metrics, /healthz and /readyz. A daemon that cannot take the leader lock
// is a follower: it observes and serves status, and takes over when the
// leader goes away.
func runDaemon(ctx context.Context, s *session, hup <-chan os.Signal) int {
	metrics := controller.NewMetrics()
	if f := s.forwarder(); f != nil {
		registerForwarder(metrics, f)
	}
	var journal *audit.Journal
	var mu sync.Mutex
	var ctl *controller.Controller
	notifier, err := s.startNotifier(func() *audit.Journal { mu.Lock(); defer mu.Unlock(); return journal })
	if err != nil {
		return s.e.errorf("%v", err)
	}
	defer notifier.Close(context.Background()) // after an early return; the normal path drains below
	ctl, err = controller.New(controller.Options{Policy: s.pol, Site: s.site.Site, Clock: s.clk, Notify: notifier.Notify,
		Logger: s.log, Metrics: metrics, JournalPath: s.pol.Audit.Path, Attach: func(context.Context) (controller.Journal, error) {
			j, err := s.openJournal("run")
			if err != nil {
				return nil, err
			}
			mu.Lock()
			journal = j
			mu.Unlock()
			if err := ctl.Restore(s.pol.Audit.Path); err != nil {
				s.log.Error("budgets", "error", err)
			}
			return j, nil
		}})
	if err != nil {
		return s.e.errorf("%v", err)
	}
	defer ctl.Close()
	srv, err := serveHTTP(s, ctl, metrics)
	if err != nil {
		return s.e.errorf("%v", err)
	}
	reload := watchPolicy(ctx, s, ctl, hup, notifier)
	s.log.Info("reconciler started", "policy", s.pol.File, "mode", s.pol.Mode, "schedule", s.pol.Reconcile.Schedule)
	runErr := ctl.Run(ctx, reload)
	stopHTTP(srv)
	drainNotifier(notifier, ctl.Policy())
	mu.Lock()
	defer mu.Unlock()
	if journal != nil {
		note := audit.Record{Type: audit.TypeNote, Detail: audit.JSON(map[string]string{"event": "shutdown"})}
		if _, err := journal.Append(note); err != nil {
			s.log.Error("shutdown not recorded", "error", err)
		}
		journal.Close()
	}
	if runErr != nil {
		return s.e.errorf("%v", runErr)
	}
	s.log.Info("reconciler stopped")
	return exitOK
}

// serveHTTP starts the metrics and health endpoint when the policy asks,
// within httpserve's default limits (timeouts, a connection cap).
func serveHTTP(s *session, ctl *controller.Controller, m *controller.Metrics) (*httpserve.Server, error) {
	addr := s.pol.HTTP.Listen
	if addr == "" {
		return nil, nil
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry}))
	mux.HandleFunc("/healthz", healthz(ctl))
	mux.HandleFunc("/readyz", readyz(ctl))
	lim := httpserve.DefaultLimits()
	srv, err := httpserve.Start(addr, mux, lim, s.log)
	if err != nil {
		return nil, err
	}
	s.log.Info("serving metrics and health", "addr", srv.Addr().String(), "max_connections", lim.MaxConns)
	return srv, nil
}

func stopHTTP(srv *httpserve.Server) {
	if srv != nil {
		srv.Stop(shutdownGrace)
	}
}

// watchPolicy turns SIGHUP and changes of the policy file into reloads. A
// policy that does not validate is rejected (logged, audited) and the one
// in force stays.
func watchPolicy(ctx context.Context, s *session, ctl *controller.Controller, hup <-chan os.Signal, n *notify.Notifier) <-chan *policy.Policy {
	out := make(chan *policy.Policy)
	changed := watchFile(ctx, s.log, s.pol.File)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			case <-changed:
			}
			p, err := policy.Load(s.pol.File)
			if err != nil {
				ctl.RejectPolicy(s.pol.File, err)
				continue
			}
			s.reconfigureNotifier(n, p)
			select {
			case out <- p:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
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
