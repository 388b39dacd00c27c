//go:build !windows

package main

import "context"

// platformServiceDeps: outside Windows there is no service manager to
// drive; `reconciler service` points at the systemd unit instead.
func platformServiceDeps() serviceDeps { return serviceDeps{} }

// runAsService is main's hook for the Windows SCM. Outside Windows a
// service is a systemd unit running `reconciler run` like any process, so
// there is nothing to take over: it always returns handled == false.
func runAsService(context.Context, *env, []string) (handled bool, code int) {
	return false, exitOK
}
