package main

import (
	"context"
	"net/http"

	"github.com/itms-tools/reconciler/console"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/estateview"
)

// mountConsole serves the web console at / of the daemon's endpoint, over
// the daemon's view of the estate; its plan page makes the evaluation of
// `reconciler plan` with the daemon's controller. At most maxStreams event
// streams are open at once.
func mountConsole(mux *http.ServeMux, s *session, ctl *controller.Controller, view *estateview.View, maxStreams int) (*console.Server, error) {
	planner := func(ctx context.Context) (console.PlanResult, error) {
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
	c, err := console.New(console.Options{View: view, Planner: planner, JournalPath: s.pol.Audit.Path,
		Clock: s.clk, Logger: s.log, MaxStreams: maxStreams})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", c)
	return c, nil
}
