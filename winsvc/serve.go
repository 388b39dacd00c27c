package winsvc

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Cmd is a control request from the SCM, reduced to what the service acts
// on. The Windows adapter maps svc.Cmd onto it.
type Cmd int

const (
	// CmdOther is any request the service does not handle (pause, ...).
	CmdOther Cmd = iota
	// CmdInterrogate asks for the current status again.
	CmdInterrogate
	// CmdStop is "net stop", "reconciler service stop" or services.msc.
	CmdStop
	// CmdShutdown is the machine shutting down.
	CmdShutdown
)

// State is a service state the control loop reports. The SCM knows more
// (paused, ...); this service never enters them.
type State int

const (
	StateStopped State = iota
	StateStartPending
	StateRunning
	StateStopPending
)

var stateNames = [...]string{"stopped", "start pending", "running", "stop pending"}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("State(%d)", int(s))
	}
	return stateNames[s]
}

// Status is one report to the SCM. While a state is pending, CheckPoint
// grows at least once per WaitHint, or the SCM gives up on the service.
// Accepting stop and shutdown requests is implied by StateRunning.
type Status struct {
	State      State
	CheckPoint uint32
	WaitHint   time.Duration
}

// Daemon is what the service runs: it calls ready once it can do its work
// (for reconciler: the policy loaded, the site opened, the journal open),
// and returns its exit code once ctx is cancelled or it fails.
type Daemon func(ctx context.Context, ready func()) int

// Options tunes Serve. The zero value takes the defaults.
type Options struct {
	// StartTimeout bounds the wait for the daemon to call ready (default
	// 120s, like the systemd unit's TimeoutStartSec); past it the start
	// has failed.
	StartTimeout time.Duration
	// StopTimeout bounds the wait for run to return once cancelled
	// (default 90s, like the systemd unit's TimeoutStopSec).
	StopTimeout time.Duration
	// Tick is how often the CheckPoint grows while starting or stopping
	// (default 2s).
	Tick time.Duration
	// Logger receives what the loop does; nil discards it.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.StartTimeout <= 0 {
		o.StartTimeout = 120 * time.Second
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 90 * time.Second
	}
	if o.Tick <= 0 {
		o.Tick = 2 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Result is how the service ended.
type Result struct {
	// Code is run's exit code, or 1 if it panicked or overran StopTimeout.
	Code int
	// Requested: the SCM asked for the stop (stop or shutdown).
	Requested bool
	// TimedOut: run had not returned StopTimeout after it was cancelled.
	TimedOut bool
	// NotReady: run had not called ready StartTimeout after it started, so
	// Serve cancelled it; the start failed (Code is 1 at least).
	NotReady bool
}

// ExitCode is what to report to the SCM with the final Stopped state. A
// stop the SCM asked for always ends with 0, so that the recovery actions
// (restart on failure) never fight an administrator's stop; a daemon that
// ended on its own with a non-zero code reports it as a service-specific
// code, which triggers them.
func (r Result) ExitCode() (serviceSpecific bool, code uint32) {
	if r.Requested || r.Code == 0 {
		return false, 0
	}
	return true, uint32(r.Code)
}

// Serve runs run under the SCM's control: it reports StartPending, its
// CheckPoint growing every Tick, until run calls ready; only then Running.
// It answers requests until run returns or a stop or shutdown comes. Then
// it reports StopPending, cancels run's context, and waits for run at most
// StopTimeout, growing the CheckPoint every Tick. A run that ends before it
// is ready ends the start with its code; one that is not ready within
// StartTimeout is cancelled and the start fails. Serve does not report
// Stopped: the caller does, with Result.ExitCode (svc.Run does it once the
// handler returns).
//
// report must not block for long; requests must keep coming from req until
// Serve returns.
func Serve(parent context.Context, req <-chan Cmd, report func(Status), run Daemon, opt Options) Result {
	opt = opt.withDefaults()
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	ready := make(chan struct{})
	var once sync.Once
	markReady := func() { once.Do(func() { close(ready) }) }
	done := make(chan int, 1)
	go func() { done <- guarded(ctx, run, markReady, opt.Logger) }()
	if res, up := starting(req, report, ready, done, cancel, opt); !up {
		return res
	}
	last := Status{State: StateRunning}
	report(last)
	opt.Logger.Info("service running")
	for {
		select {
		case code := <-done:
			opt.Logger.Info("service ended on its own", "code", code)
			return Result{Code: code}
		case c := <-req:
			switch c {
			case CmdInterrogate:
				report(last)
			case CmdStop, CmdShutdown:
				opt.Logger.Info("service stop requested", "shutdown", c == CmdShutdown)
				cancel()
				return stopping(req, report, done, opt)
			}
		}
	}
}

// starting reports StartPending with a growing CheckPoint until the daemon
// is ready (up is true), ends, is asked to stop, or overruns StartTimeout.
func starting(req <-chan Cmd, report func(Status), ready <-chan struct{}, done <-chan int,
	cancel context.CancelFunc, opt Options) (res Result, up bool) {
	st := Status{State: StateStartPending, CheckPoint: 1, WaitHint: 5 * opt.Tick}
	report(st)
	tick := time.NewTicker(opt.Tick)
	defer tick.Stop()
	deadline := time.NewTimer(opt.StartTimeout)
	defer deadline.Stop()
	for {
		select {
		case <-ready:
			return Result{}, true
		case code := <-done:
			opt.Logger.Error("service ended before it was ready", "code", code)
			return Result{Code: code}, false
		case <-tick.C:
			st.CheckPoint++
			report(st)
		case c := <-req:
			switch c {
			case CmdInterrogate:
				report(st)
			case CmdStop, CmdShutdown:
				opt.Logger.Info("service stop requested while starting", "shutdown", c == CmdShutdown)
				cancel()
				return stopping(req, report, done, opt), false
			}
		case <-deadline.C:
			opt.Logger.Error("service not ready in time; stopping it", "timeout", opt.StartTimeout)
			cancel()
			r := stopping(req, report, done, opt)
			r.Requested, r.NotReady, r.Code = false, true, max(r.Code, 1)
			return r, false
		}
	}
}

// stopping reports StopPending with a growing CheckPoint until run returns
// or StopTimeout passes.
func stopping(req <-chan Cmd, report func(Status), done <-chan int, opt Options) Result {
	st := Status{State: StateStopPending, CheckPoint: 1, WaitHint: 5 * opt.Tick}
	report(st)
	tick := time.NewTicker(opt.Tick)
	defer tick.Stop()
	deadline := time.NewTimer(opt.StopTimeout)
	defer deadline.Stop()
	for {
		select {
		case code := <-done:
			opt.Logger.Info("service stopped", "code", code)
			return Result{Code: code, Requested: true}
		case <-tick.C:
			st.CheckPoint++
			report(st)
		case c := <-req:
			if c == CmdInterrogate {
				report(st)
			}
		case <-deadline.C:
			opt.Logger.Error("daemon did not stop in time; exiting anyway", "timeout", opt.StopTimeout)
			return Result{Code: 1, Requested: true, TimedOut: true}
		}
	}
}

// guarded runs run and turns a panic into exit code 1, logged with its
// stack, so that the SCM sees a failure rather than a vanished process.
func guarded(ctx context.Context, run Daemon, ready func(), log *slog.Logger) (code int) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("daemon panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			code = 1
		}
	}()
	return run(ctx, ready)
}
