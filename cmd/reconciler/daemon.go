package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
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
	var journal *audit.Journal
	var mu sync.Mutex
	var ctl *controller.Controller
	ctl, err := controller.New(controller.Options{Policy: s.pol, Site: s.site.Site, Clock: s.clk,
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
	// Refused credentials first: the first pass takes the leader lock,
	// itself a login, before the journal is opened and restored.
	if err := ctl.RestoreLogins(s.pol.Audit.Path); err != nil {
		s.log.Warn("refused credentials not rebuilt from the journal", "error", err)
	}
	srv, err := serveHTTP(s, ctl, metrics)
	if err != nil {
		return s.e.errorf("%v", err)
	}
	reload := watchPolicy(ctx, s, ctl, hup)
	s.log.Info("reconciler started", "policy", s.pol.File, "mode", s.pol.Mode, "schedule", s.pol.Reconcile.Schedule)
	runErr := ctl.Run(ctx, reload)
	stopHTTP(srv)
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

// serveHTTP starts the metrics and health endpoint when the policy asks.
func serveHTTP(s *session, ctl *controller.Controller, m *controller.Metrics) (*http.Server, error) {
	addr := s.pol.HTTP.Listen
	if addr == "" {
		return nil, nil
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ctl.Ready() {
			http.Error(w, "not ready: no successful observation yet", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http", "error", err)
		}
	}()
	s.log.Info("serving metrics and health", "addr", ln.Addr().String())
	return srv, nil
}

func stopHTTP(srv *http.Server) {
	if srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// watchPolicy turns SIGHUP and changes of the policy file into reloads. A
// policy that does not validate is rejected (logged, audited) and the one
// in force stays.
func watchPolicy(ctx context.Context, s *session, ctl *controller.Controller, hup <-chan os.Signal) <-chan *policy.Policy {
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
			select {
			case out <- p:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
