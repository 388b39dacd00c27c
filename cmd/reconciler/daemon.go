package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/audit/rfc5424"
	"github.com/itms-tools/reconciler/console"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/estateview"
	"github.com/itms-tools/reconciler/httpserve"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/sdnotify"
)

// shutdownGrace bounds how long the HTTP server may take to stop.
const shutdownGrace = 5 * time.Second

// notifier is told of the daemon's life: systemd's notify socket on Linux
// (package sdnotify), the SCM's start on Windows.
type notifier interface {
	Ready(status string)
	Reloading()
	Stopping()
	Watchdog()
	WatchdogEvery() time.Duration
}

// runDaemon runs the controller loop until SIGINT/SIGTERM (the context),
// reloading the policy on SIGHUP and when its file changes. It serves
// /metrics, /healthz and /readyz. A daemon that cannot take the leader lock
// is a follower: it observes and serves status, and takes over when the
// leader goes away.
//
// It tells the service manager it is ready only once it can act: the
// policy loaded, the site opened, the HTTP endpoint listening, and the
// leader lock settled — held with the journal open and the gates restored,
// or held elsewhere (a follower). Holding the lock without being able to
// open the journal fails the start.
func runDaemon(ctx context.Context, s *session, hup <-chan os.Signal) int {
	n := s.e.notifier
	if n == nil {
		n = sdnotify.New(s.log)
	}
	metrics := controller.NewMetrics()
	if f := s.forwarder(); f != nil {
		registerForwarder(metrics, f)
	}
	d := &daemonJournal{s: s}
	alerts, err := s.startNotifier(d.journal)
	if err != nil {
		return s.e.errorf("%v", err)
	}
	defer alerts.Close(context.Background()) // after an early return; the normal path drains below
	var view *estateview.View                // the console's view: pushed after each pass, fed by the journal
	ctl, err := controller.New(controller.Options{Policy: s.pol, Site: s.site.Site, Clock: s.clk, Notify: alerts.Notify,
		Logger: s.log, Metrics: metrics, JournalPath: s.pol.Audit.Path, Attach: d.attach,
		AfterPass: func(res controller.PassResult) { view.Push(res) }})
	if err != nil {
		return s.e.errorf("%v", err)
	}
	d.ctl = ctl
	defer ctl.Close()
	// Refused credentials first: the first pass takes the leader lock,
	// itself a login, before the journal is opened and restored.
	if err := ctl.RestoreLogins(s.pol.Audit.Path); err != nil {
		s.log.Warn("refused credentials not rebuilt from the journal", "error", err)
	}
	if view, err = estateview.New(ctl, s.clk, s.log); err != nil {
		return s.e.errorf("%v", err)
	}
	d.view = view
	s.onAppend = view.Ingest // the journal hands the view each record it stored
	rebuildView(s, view)
	srv, cons, err := serveHTTP(s, ctl, metrics, view)
	if err != nil {
		return s.e.errorf("%v", err)
	}
	defer stopHTTP(srv)
	if cons != nil {
		defer cons.Close() // ends the event streams, which stopping the server would wait for
	}
	lead, err := ctl.Start(ctx)
	if err != nil {
		return s.e.errorf("%v", err)
	}
	defer d.close()
	defer drainNotifier(alerts, ctl.Policy()) // before the journal closes: deliveries are journaled
	applied := make(chan struct{}, 1)
	reload := watchPolicy(ctx, s, ctl, hup, n, alerts, applied)
	s.log.Info("reconciler started", "policy", s.pol.File, "mode", s.pol.Mode, "schedule", s.pol.Reconcile.Schedule, "leader", lead)
	n.Ready(readyStatus(s.pol, lead))
	defer stopping(ctx, n)()
	hooks := controller.Hooks{Reloaded: func() { applied <- struct{}{} },
		Alive: n.Watchdog, AliveEvery: n.WatchdogEvery()}
	if err := ctl.RunWith(ctx, reload, hooks); err != nil {
		return s.e.errorf("%v", err)
	}
	s.log.Info("reconciler stopped")
	return exitOK
}

// stopping tells n, once, as soon as ctx ends that the daemon is stopping.
// The returned func, deferred, makes sure the message went out when ctx
// ended (AfterFunc's goroutine may not have run yet).
func stopping(ctx context.Context, n notifier) func() {
	var once sync.Once
	tell := func() { once.Do(n.Stopping) }
	stop := context.AfterFunc(ctx, tell)
	return func() {
		stop()
		if ctx.Err() != nil {
			tell()
		}
	}
}

// readyStatus is the status line the service manager shows.
func readyStatus(p *policy.Policy, leader bool) string {
	if !leader {
		return "follower: another reconciler holds the leader lock; observing"
	}
	return fmt.Sprintf("leader: passes on %q (%s), mode %s", p.Reconcile.Schedule, p.Reconcile.Location, p.Mode)
}

// daemonJournal opens the journal when the controller becomes leader and
// closes it, with a shutdown note, when the daemon stops.
type daemonJournal struct {
	s    *session
	ctl  *controller.Controller
	view *estateview.View
	mu   sync.Mutex
	j    *audit.Journal
}

func (d *daemonJournal) attach(context.Context) (controller.Journal, error) {
	j, err := d.s.openJournal("run")
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.j = j
	d.mu.Unlock()
	if err := d.ctl.Restore(d.s.pol.Audit.Path); err != nil {
		d.s.log.Error("budgets", "error", err)
	}
	rebuildView(d.s, d.view)
	d.view.Attach(j)
	return j, nil
}

// rebuildView folds the journal into the view; a journal it cannot read
// whole leaves the history read before the damage.
func rebuildView(s *session, view *estateview.View) {
	if err := view.Rebuild(s.pol.Audit.Path); err != nil {
		s.log.Warn("console: history rebuilt from the journal in part", "error", err)
	}
}

// journal is the journal open now, nil before the first attach.
func (d *daemonJournal) journal() *audit.Journal {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.j
}

func (d *daemonJournal) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.j == nil {
		return
	}
	note := audit.Record{Type: audit.TypeNote, Detail: audit.JSON(map[string]string{"event": "shutdown"})}
	if _, err := d.j.Append(note); err != nil {
		d.s.log.Error("shutdown not recorded", "error", err)
	}
	d.j.Close()
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
	mux.HandleFunc("/healthz", healthz(ctl))
	mux.HandleFunc("/readyz", readyz(ctl))
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
// in force stays. Each reload is bracketed for the service manager, one at
// a time: Reloading, then Ready once the loop has put the new policy in
// force (it signals applied) or once the policy was rejected. A reload
// also rebuilds the notification receivers (alerts).
func watchPolicy(ctx context.Context, s *session, ctl *controller.Controller, hup <-chan os.Signal,
	n notifier, alerts *notify.Notifier, applied <-chan struct{}) <-chan *policy.Policy {
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
			n.Reloading()
			p, err := policy.Load(s.pol.File)
			if err != nil {
				ctl.RejectPolicy(s.pol.File, err)
				n.Ready("policy rejected; the previous one stays in force")
				continue
			}
			s.reconfigureNotifier(alerts, p)
			select {
			case out <- p:
			case <-ctx.Done():
				return
			}
			select {
			case <-applied:
				n.Ready("policy reloaded; " + readyStatus(ctl.Policy(), ctl.IsLeader()))
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
