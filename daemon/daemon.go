package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/audit/rfc5424"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/console"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/estateview"
	"github.com/itms-tools/reconciler/httpserve"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/redact"
	"github.com/itms-tools/reconciler/sdnotify"
)

// FleetEvery is how often the daemon reads the CMDB's server list for its
// health view and metrics (controller.Options.FleetEvery).
const FleetEvery = time.Hour

// ServiceManager is told of the daemon's life: systemd's notify socket on
// Linux (package sdnotify), the SCM's start on Windows.
type ServiceManager interface {
	Ready(status string)
	Reloading()
	Stopping()
	Watchdog()
	WatchdogEvery() time.Duration
}

// Options is what the wiring hands the daemon.
type Options struct {
	// Policy is the policy in force at the start; its file is reloaded.
	Policy *policy.Policy
	// Site is the opened site's driver.
	Site controller.Site
	// Clock drives the loop; nil means the wall clock.
	Clock  clock.Clock
	Logger *slog.Logger
	// Manager is the service manager; nil means systemd's notify socket
	// when there is one.
	Manager ServiceManager
	// Secrets scrubs logs, output and the journal; the receivers' secrets
	// join it.
	Secrets *redact.Set
	// Forwarder is the syslog forwarder, nil when the policy forwards
	// nothing; its counts are served as metrics.
	Forwarder *rfc5424.Forwarder
	// OpenJournal opens the journal for writing and records the start
	// (command names the command); forward receives each durable record.
	OpenJournal func(command string, forward func(audit.Record)) (*audit.Journal, error)
	// NotifyBuild builds the notification receivers (their secrets).
	NotifyBuild notify.BuildOptions
	// NS is what events name as their NS.
	NS string
	// Plan is the evaluation the console's plan page shows.
	Plan func(ctx context.Context, ctl *controller.Controller) (console.PlanResult, error)
	// HUP delivers SIGHUP: a reload.
	HUP <-chan os.Signal
}

// Run runs the controller loop until ctx ends (SIGINT/SIGTERM), reloading
// the policy on SIGHUP and when its file changes. It serves /metrics,
// /healthz and /readyz. A daemon that cannot take the leader lock is a
// follower: it observes and serves status, and takes over when the
// leader goes away.
//
// It tells the service manager it is ready only once it can act: the
// HTTP endpoint listening and the leader lock settled — held with the
// journal open and the gates restored, or held elsewhere (a follower).
// Holding the lock without being able to open the journal fails the start.
func Run(ctx context.Context, o Options) error {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Manager == nil {
		o.Manager = sdnotify.New(o.Logger)
	}
	metrics := NewMetrics(o.Forwarder)
	d := &attacher{o: o}
	alerts, err := startNotifier(o, d.journal, metrics)
	if err != nil {
		return err
	}
	defer alerts.Close(context.Background()) // after an early return; the normal path drains below
	var view *estateview.View                // the console's view: pushed after each pass, fed by the journal
	ctl, err := controller.New(controller.Options{Policy: o.Policy, Site: o.Site, Clock: o.Clock, Notify: alerts.Notify,
		Logger: o.Logger, Metrics: metrics, JournalPath: o.Policy.Audit.Path, Attach: d.attach,
		PassAtStart: true, FleetEvery: FleetEvery, ReadAfterApply: true,
		AfterPass: func(res controller.PassResult) { view.Push(res) }})
	if err != nil {
		return err
	}
	d.ctl = ctl
	defer ctl.Close()
	// Refused credentials first: the first pass takes the leader lock,
	// itself a login, before the journal is opened and restored.
	if err := ctl.RestoreLogins(o.Policy.Audit.Path); err != nil {
		o.Logger.Warn("refused credentials not rebuilt from the journal", "error", err)
	}
	if view, err = estateview.New(ctl, o.Clock, o.Logger); err != nil {
		return err
	}
	d.view = view
	rebuildView(o, view)
	srv, cons, err := serveHTTP(o, ctl, metrics, view)
	if errors.Is(err, httpserve.ErrInUse) {
		return fmt.Errorf("http.listen %s: %w.\nAnother reconciler daemon, or another program, listens there: set http.listen in %s "+
			"to a free address (for example 127.0.0.1:9465), or to \"\" to serve no metrics and health endpoints.", o.Policy.HTTP.Listen, err, o.Policy.File)
	}
	if err != nil {
		return err
	}
	defer stopHTTP(srv)
	if cons != nil {
		defer cons.Close() // ends the event streams, which stopping the server would wait for
	}
	return lead(ctx, o, ctl, d, alerts)
}

// lead starts the controller and runs its loop with the reloads and the
// service manager's messages, until ctx ends.
func lead(ctx context.Context, o Options, ctl *controller.Controller, d *attacher, alerts *notify.Notifier) error {
	n := o.Manager
	leader, err := ctl.Start(ctx)
	if err != nil {
		return err
	}
	defer d.close()
	defer drainNotifier(alerts, ctl.Policy()) // before the journal closes: deliveries are journaled
	applied := make(chan struct{}, 1)
	reload := watchPolicy(ctx, o, ctl, n, alerts, applied)
	o.Logger.Info("reconciler started", "policy", o.Policy.File, "mode", o.Policy.Mode, "schedule", o.Policy.Reconcile.Schedule, "leader", leader)
	n.Ready(readyStatus(o.Policy, leader))
	defer stopping(ctx, n)()
	hooks := controller.Hooks{Reloaded: func() { applied <- struct{}{} },
		Alive: n.Watchdog, AliveEvery: n.WatchdogEvery()}
	if err := ctl.RunWith(ctx, reload, hooks); err != nil {
		return err
	}
	o.Logger.Info("reconciler stopped")
	return nil
}

// stopping tells n, once, as soon as ctx ends that the daemon is stopping.
// The returned func, deferred, makes sure the message went out when ctx
// ended (AfterFunc's goroutine may not have run yet).
func stopping(ctx context.Context, n ServiceManager) func() {
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
