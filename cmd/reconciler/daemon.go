package main

import (
	"context"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/console"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/estateview"
	"github.com/itms-tools/reconciler/httpserve"
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
	var view *estateview.View // the console's view: pushed after each pass, fed by the journal
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
			rebuildView(s, view)
			view.Attach(j)
			return view.Tee(j), nil
		}, AfterPass: func(res controller.PassResult) { view.Push(res) }})
	if err != nil {
		return s.e.errorf("%v", err)
	}
	defer ctl.Close()
	if view, err = estateview.New(ctl, s.clk, s.log); err != nil {
		return s.e.errorf("%v", err)
	}
	rebuildView(s, view)
	srv, cons, err := serveHTTP(s, ctl, metrics, view)
	if err != nil {
		return s.e.errorf("%v", err)
	}
	reload := watchPolicy(ctx, s, ctl, hup)
	s.log.Info("reconciler started", "policy", s.pol.File, "mode", s.pol.Mode, "schedule", s.pol.Reconcile.Schedule)
	runErr := ctl.Run(ctx, reload)
	if cons != nil {
		cons.Close() // ends the event streams, which Stop would wait for
	}
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

// rebuildView folds the journal into the view; a journal it cannot read
// whole leaves the history read before the damage.
func rebuildView(s *session, view *estateview.View) {
	if err := view.Rebuild(s.pol.Audit.Path); err != nil {
		s.log.Warn("console: history rebuilt from the journal in part", "error", err)
	}
}

// serveHTTP starts the console, metrics and health endpoint when the
// policy asks, within httpserve's default limits (timeouts, a connection
// cap).
func serveHTTP(s *session, ctl *controller.Controller, m *controller.Metrics, view *estateview.View) (*httpserve.Server, *console.Server, error) {
	addr := s.pol.HTTP.Listen
	if addr == "" {
		return nil, nil, nil
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
	lim := httpserve.DefaultLimits()
	// Event streams hold a connection each: leave a quarter of the cap to
	// pages, scrapes and probes.
	cons, err := mountConsole(mux, s, ctl, view, max(1, lim.MaxConns*3/4))
	if err != nil {
		return nil, nil, err
	}
	srv, err := httpserve.Start(addr, mux, lim, s.log)
	if err != nil {
		return nil, nil, err
	}
	s.log.Info("serving the console, metrics and health", "addr", srv.Addr().String(), "url", "http://"+srv.Addr().String()+"/",
		"max_connections", lim.MaxConns)
	return srv, cons, nil
}

func stopHTTP(srv *httpserve.Server) {
	if srv != nil {
		srv.Stop(shutdownGrace)
	}
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
