package main

import (
	"context"
	"os"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/console"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/daemon"
)

// runDaemon hands the session's policy, site and journal opener to package
// daemon, which runs until ctx ends (SIGINT/SIGTERM) and reloads on hup.
func runDaemon(ctx context.Context, s *session, hup <-chan os.Signal) int {
	err := daemon.Run(ctx, daemon.Options{Policy: s.pol, Site: s.site.Site, Clock: s.clk, Logger: s.log,
		Manager: s.e.notifier, Secrets: s.secrets, Forwarder: s.forwarder(),
		OpenJournal: func(command string, forward func(audit.Record)) (*audit.Journal, error) {
			s.onAppend = forward
			return s.openJournal(command)
		},
		NotifyBuild: buildOptions(s.e), NS: siteName(s.pol), Plan: consolePlan, HUP: hup})
	if err != nil {
		return s.e.errorf("%v", err)
	}
	return exitOK
}

// consolePlan is the console's plan page: the evaluation of `reconciler
// plan` with the daemon's controller.
func consolePlan(ctx context.Context, ctl *controller.Controller) (console.PlanResult, error) {
	res, holds, err := evaluatePlan(ctx, ctl)
	if err != nil {
		return console.PlanResult{}, err
	}
	out := console.PlanResult{Plan: res.Plan, Holds: holds}
	if res.Obs != nil && res.Obs.CMDBErr != nil {
		out.CMDBError = res.Obs.CMDBErr.Error()
	}
	if res.Obs != nil && res.Obs.NSErr != nil {
		out.NSError = res.Obs.NSErr.Error()
	}
	return out, nil
}
