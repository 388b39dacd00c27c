package daemon

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/console"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/estateview"
	"github.com/itms-tools/reconciler/httpserve"
)

// shutdownGrace bounds how long the HTTP server may take to stop.
const shutdownGrace = 5 * time.Second

// serveHTTP starts the console, metrics and health endpoint when the
// policy asks, within httpserve's default limits (timeouts, a connection
// cap).
func serveHTTP(o Options, ctl *controller.Controller, m *controller.Metrics, view *estateview.View) (*httpserve.Server, *console.Server, error) {
	addr := o.Policy.HTTP.Listen
	if addr == "" {
		return nil, nil, nil
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry}))
	mux.HandleFunc("/healthz", Healthz(ctl))
	mux.HandleFunc("/readyz", Readyz(ctl))
	lim := httpserve.DefaultLimits()
	// Event streams hold a connection each: leave a quarter of the cap to
	// pages, scrapes and probes.
	cons, err := mountConsole(mux, o, ctl, view, max(1, lim.MaxConns*3/4))
	if err != nil {
		return nil, nil, err
	}
	srv, err := httpserve.Start(addr, mux, lim, o.Logger)
	if err != nil {
		return nil, nil, err
	}
	registerHTTP(m, srv)
	o.Logger.Info("serving the console, metrics and health", "addr", srv.Addr().String(), "url", "http://"+srv.Addr().String()+"/",
		"max_connections", lim.MaxConns)
	return srv, cons, nil
}

// registerHTTP publishes the endpoint's connections against its cap.
func registerHTTP(m *controller.Metrics, srv *httpserve.Server) {
	gauge := func(name, help string, v func() int64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return float64(v()) })
	}
	m.Registry.MustRegister(
		gauge("reconciler_http_connections_open", "Connections open now to the console, metrics and health endpoint.", srv.Open),
		gauge("reconciler_http_connections_peak", "The most connections open at once since the start (the cap is httpserve's MaxConns).", srv.Peak))
}

func stopHTTP(srv *httpserve.Server) {
	if srv != nil {
		srv.Stop(shutdownGrace)
	}
}

// mountConsole serves the web console at / of the daemon's endpoint, over
// the daemon's view of the estate; its plan page shows o.Plan's
// evaluation with the daemon's controller. At most maxStreams event
// streams are open at once.
func mountConsole(mux *http.ServeMux, o Options, ctl *controller.Controller, view *estateview.View, maxStreams int) (*console.Server, error) {
	c, err := console.New(console.Options{View: view, Planner: func(ctx context.Context) (console.PlanResult, error) { return o.Plan(ctx, ctl) },
		JournalPath: o.Policy.Audit.Path, Clock: o.Clock, Logger: o.Logger, MaxStreams: maxStreams})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", c)
	return c, nil
}

// Prober is what the health endpoints ask: the controller.
type Prober interface {
	JournalHealth() audit.Health
	Ready() bool
}

// Healthz is /healthz: 200 while the daemon can do its job, 503 while the
// journal it writes cannot be written (a full disk, an I/O error, the file
// or its lock replaced), since it then acts on nothing. A follower, which
// writes no journal, is healthy.
func Healthz(p Prober) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if !journalHealthy(w, p) {
			return
		}
		w.Write([]byte("ok\n"))
	}
}

// Readyz is /readyz: Healthz, and an observation has succeeded.
func Readyz(p Prober) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if !journalHealthy(w, p) {
			return
		}
		if !p.Ready() {
			http.Error(w, "not ready: no successful observation yet", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	}
}

// journalHealthy answers 503 and false when the journal cannot be written.
func journalHealthy(w http.ResponseWriter, p Prober) bool {
	h := p.JournalHealth()
	if h.OK {
		return true
	}
	http.Error(w, fmt.Sprintf("audit journal cannot be written since %s: %s",
		h.Since.UTC().Format(time.RFC3339), h.Error), http.StatusServiceUnavailable)
	return false
}
