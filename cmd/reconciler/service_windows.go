//go:build windows

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/itms-tools/reconciler/winsvc"
)

// platformServiceDeps drives the SCM of this machine.
func platformServiceDeps() serviceDeps {
	return serviceDeps{mgr: winsvc.Manager{}, executable: os.Executable, tempDir: os.TempDir()}
}

// runAsService is main's hook: when the SCM started this process it runs
// the command in args (the registered `run --policy ...`) as the service
// and returns handled == true with the exit code; otherwise it returns
// handled == false at once and main goes on as a console program.
//
// Under the SCM there is no console: the command's stdout and stderr go to
// the event log (source "reconciler"), or as JSON lines to the file named
// by --log-file, which is taken out of args here. A stop or shutdown
// request cancels the command's context.
func runAsService(ctx context.Context, e *env, args []string) (handled bool, code int) {
	if !winsvc.IsService() {
		return false, exitOK
	}
	// Go turns console events into signals, and Windows sends every
	// service CTRL_LOGOFF_EVENT whenever any user logs off: with main's
	// SIGTERM handler in place, that would stop the daemon. Under the SCM
	// only its stop and shutdown requests end the service.
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	return true, serveWindows(ctx, e, args)
}

// serveWindows sets up the service's output and runs args under svc.Run.
// Even when the service cannot start (a bad command line, no output), it
// goes through svc.Run, so that the SCM records a service-specific error
// (and applies the recovery actions) rather than a start timeout.
func serveWindows(ctx context.Context, e *env, args []string) int {
	args, logFile, err := takeLogFile(args)
	out, outErr := chooseServiceOutput(logFile)
	defer out.close()
	se := *e
	se.stdout, se.stderr = out.stdout, out.stderr
	// The SCM hears Running once the daemon is ready (runDaemon: the
	// policy loaded, the site opened, the journal open).
	work := func(ctx context.Context, ready func()) int {
		se.notifier = scmNotifier{ready: ready}
		return run(ctx, &se, args)
	}
	if startErr := errors.Join(err, outErr); startErr != nil {
		work = func(context.Context, func()) int {
			out.log.Error("service cannot start", "error", startErr)
			return exitError
		}
	}
	res, err := winsvc.Run(ctx, serviceName, work, winsvc.Options{Logger: out.log})
	if err != nil {
		out.log.Error("run as a Windows service", "error", err)
		return exitError
	}
	return res.Code
}

// scmNotifier tells the SCM that the daemon is ready. The SCM knows no
// reloading and no watchdog; Serve reports stopping by itself.
type scmNotifier struct{ ready func() }

func (n scmNotifier) Ready(string)               { n.ready() }
func (scmNotifier) Reloading()                   {}
func (scmNotifier) Stopping()                    {}
func (scmNotifier) Watchdog()                    {}
func (scmNotifier) WatchdogEvery() time.Duration { return 0 }

// chooseServiceOutput opens the log file, or the event log. A log file
// that cannot be opened falls back to the event log, which says why; with
// no event log either, output is discarded and the error returned.
func chooseServiceOutput(logFile string) (*serviceOutput, error) {
	out, err := openServiceOutput(logFile)
	if err == nil {
		return out, nil
	}
	if logFile != "" {
		if ev, evErr := openServiceOutput(""); evErr == nil {
			ev.log.Error("log file unusable; logging to the event log instead", "file", logFile, "error", err)
			return ev, nil
		}
	}
	discard := func() *winsvc.LineWriter { return winsvc.NewJSONLinesWriter(io.Discard, slog.LevelInfo, time.Now) }
	return &serviceOutput{stdout: discard(), stderr: discard(), log: slog.New(slog.DiscardHandler),
		closer: func() error { return nil }}, err
}

// serviceOutput is where a service's output goes.
type serviceOutput struct {
	stdout, stderr *winsvc.LineWriter
	log            *slog.Logger // the service loop's own messages
	closer         func() error
}

// close flushes a last unterminated line and closes the destination.
func (o *serviceOutput) close() {
	_ = o.stdout.Flush()
	_ = o.stderr.Flush()
	_ = o.closer()
}

// openServiceOutput opens the log file (JSON lines, appended) when one is
// named, else the event log. Plain stdout lines are Info, plain stderr
// lines (a command's error) are Error.
func openServiceOutput(logFile string) (*serviceOutput, error) {
	if logFile != "" {
		if err := os.MkdirAll(filepath.Dir(logFile), 0o700); err != nil {
			return nil, fmt.Errorf("log folder: %w", err)
		}
		f, err := os.OpenFile(logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open log file: %w", err)
		}
		return &serviceOutput{
			stdout: winsvc.NewJSONLinesWriter(f, slog.LevelInfo, time.Now),
			stderr: winsvc.NewJSONLinesWriter(f, slog.LevelError, time.Now),
			log:    slog.New(slog.NewJSONHandler(f, nil)).With("component", "service"),
			closer: f.Close,
		}, nil
	}
	el, err := winsvc.OpenEventLog(serviceName)
	if err != nil {
		return nil, fmt.Errorf("open event log: %w", err)
	}
	// The command's logger has already filtered by --log-level.
	all := winsvc.NewHandler(el, slog.LevelDebug)
	return &serviceOutput{
		stdout: winsvc.NewEventWriter(all, slog.LevelInfo, time.Now),
		stderr: winsvc.NewEventWriter(all, slog.LevelError, time.Now),
		log:    slog.New(winsvc.NewHandler(el, slog.LevelInfo)).With("component", "service"),
		closer: el.Close,
	}, nil
}
