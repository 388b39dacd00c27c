// Package winsvc is the Windows service plumbing of reconciler: it registers
// the service with the Service Control Manager (SCM), starts, stops and
// queries it, runs the daemon under the SCM with stop and shutdown mapped to
// cancelling its context, and sends its logs to the Windows event log.
//
// The parts that make decisions are plain Go and build everywhere, so that
// they are tested on any platform: the control loop (Serve), the bounded
// state wait (Wait), the command-line quoting the SCM will store
// (CommandLine), and the slog handler and line writers that turn log records
// into event-log entries or JSON lines. Only the thin adapters to
// golang.org/x/sys/windows/svc, svc/mgr and svc/eventlog are built for
// Windows alone.
//
// It knows nothing of policies, commands or reconciliation: the caller hands
// it a func(ctx) int to run and the command line to register. It never reads
// secrets from the command line; a service account's password arrives in
// Config and is passed to the SCM only.
package winsvc
