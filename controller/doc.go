// Package controller owns the reconcile loop. One pass (ReconcileOnce)
// observes the site, plans with the pure planner, applies the plan through
// the executor under the policy's gates, and records everything in the
// audit journal. The daemon loop (Run) only schedules passes: on the
// policy's cron schedule, early for servers awaiting verification, later for
// servers backing off after failures; it reloads the policy and keeps the
// leader lock. Package daemon serves its status and metrics.
//
// It sees drivers only through the interfaces of packages observed,
// actions/apply and leader; it decides nothing that the planner or the gates
// decide, and never sleeps: time comes from an injected clock.
package controller
