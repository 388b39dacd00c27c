// Package sdnotify tells systemd about the daemon's life through the
// notify socket of a Type=notify unit (sd_notify(3), through
// github.com/coreos/go-systemd/v22/daemon): READY=1 once it can act,
// RELOADING=1 and READY=1 around a policy reload, STOPPING=1 when it
// begins to stop, and WATCHDOG=1 pings when the unit sets WatchdogSec.
//
// Outside systemd (no NOTIFY_SOCKET) every method does nothing. It decides
// nothing: when to ping is the daemon loop's business.
package sdnotify

import (
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Notifier sends state changes to systemd. Its methods are safe for
// concurrent use.
type Notifier struct {
	send      func(state string) (bool, error)
	monotonic func() string // "MONOTONIC_USEC=…\n", or "" where there is none
	watchdog  time.Duration
	log       *slog.Logger

	mu     sync.Mutex
	failed bool // a ping failed: logged once until one succeeds
}

// New returns a notifier for this process: it reads NOTIFY_SOCKET at each
// message, and WATCHDOG_USEC/WATCHDOG_PID now. A watchdog setting it cannot
// read is logged and ignored. log may be nil.
func New(log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{send: func(s string) (bool, error) { return daemon.SdNotify(false, s) },
		monotonic: daemon.SdNotifyMonotonicUsec, log: log}
	d, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn("systemd watchdog setting ignored", "error", err)
	}
	n.watchdog = d
	return n
}

// WatchdogEvery is how often to ping: half the unit's WatchdogSec, as
// sd_watchdog_enabled(3) advises; 0 when the watchdog is off.
func (n *Notifier) WatchdogEvery() time.Duration { return n.watchdog / 2 }

// Ready says the daemon is up (or done reloading), with a status line for
// `systemctl status`.
func (n *Notifier) Ready(status string) {
	n.notify("ready", daemon.SdNotifyReady+"\n"+statusLine(status))
}

// Reloading says a reload has begun; Ready must follow. It carries the
// monotonic time, without which newer systemd ignores the message.
func (n *Notifier) Reloading() {
	n.notify("reloading", daemon.SdNotifyReloading+"\n"+n.monotonic()+statusLine("reloading the policy"))
}

// Stopping says the daemon has begun to stop.
func (n *Notifier) Stopping() {
	n.notify("stopping", daemon.SdNotifyStopping+"\n"+statusLine("stopping: finishing the actions in flight"))
}

// Watchdog pings the watchdog. A failure is logged once, until a ping
// gets through again.
func (n *Notifier) Watchdog() {
	_, err := n.send(daemon.SdNotifyWatchdog)
	n.mu.Lock()
	defer n.mu.Unlock()
	if err != nil && !n.failed {
		n.log.Warn("systemd watchdog ping failed", "error", err)
	}
	n.failed = err != nil
}

func (n *Notifier) notify(what, state string) {
	if _, err := n.send(state); err != nil {
		n.log.Warn("systemd notification failed", "state", what, "error", err)
	}
}

// statusLine is a STATUS= assignment: one line, newline-terminated.
func statusLine(s string) string {
	s = strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	if s == "" {
		return ""
	}
	return "STATUS=" + s + "\n"
}
