package controller

import (
	"context"
	"time"

	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/policy"
)

// fleet is the health of every in-scope server known after a pass: the
// pass's report merged with what earlier passes saw (health.Merge). With
// Options.FleetEvery set, the CMDB's server list is read again that often
// (and at the first pass), for the servers no pass has seen; that read
// feeds only this view, never the planner.
func (c *Controller) fleet(ctx context.Context, p *policy.Policy, obs *observed.Observation, rep health.Report,
	prev *health.Report, now time.Time) health.Report {
	known := prev
	if c.fleetDue(obs, now) {
		scratch := observed.NewObservation(now)
		c.observer(p).ListServers(ctx, scratch)
		if scratch.CMDBErr == nil {
			known = health.Roster(known, health.Evaluate(desiredOf(p), scratch, prev, now))
			c.mu.Lock()
			c.fleetAt = now
			c.mu.Unlock()
		} else {
			c.log.Debug("server list for the health view not read", "error", scratch.CMDBErr)
		}
	}
	return health.Merge(rep, known)
}

// readAfterApply reads the CMDB again after a pass applied actions
// (Options.ReadAfterApply): the rows only, no agent is called; conditions
// not observed keep their last values (health.Merge).
func (c *Controller) readAfterApply(ctx context.Context, p *policy.Policy, res PassResult) {
	if !c.readAfter || res.Applied() == 0 || ctx.Err() != nil {
		return
	}
	now := c.clock.Now()
	obs := c.observer(p).ReadSite(ctx, now, false)
	if obs.CMDBErr != nil {
		c.log.Debug("CMDB not read again after the actions", "pass", res.ID, "error", obs.CMDBErr)
		return
	}
	c.mu.Lock()
	prev := c.report
	c.mu.Unlock()
	prev = health.Forget(prev, res.Exec.Touched(res.Plan), "changed by the actions of pass "+res.ID+"; not observed since")
	rep := health.Merge(health.Evaluate(desiredOf(p), obs, prev, now), prev)
	c.mu.Lock()
	c.report = &rep
	c.mu.Unlock()
	c.metrics.observed(obs, rep)
}

func (c *Controller) fleetDue(obs *observed.Observation, now time.Time) bool {
	if c.fleetEvery <= 0 || obs.CMDBErr != nil || obs.ServersListed {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fleetAt.IsZero() || now.Sub(c.fleetAt) >= c.fleetEvery
}
