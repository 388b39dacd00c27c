package controller

import (
	"context"
	"time"

	"github.com/itms-tools/reconciler/actions/planner"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// Survey observes every package server in scope, not only those with rows
// in question, and judges their health: what `reconciler status` shows. It
// changes nothing and writes no record.
func (c *Controller) Survey(ctx context.Context) (*observed.Observation, health.Report) {
	p := c.Policy()
	now := c.clock.Now()
	c.logins.refresh(c.site.Logins)
	o := c.observer(p)
	obs := o.ReadSite(ctx, now, true)
	d := desiredOf(p)
	o.Fulfil(ctx, obs, planner.Everything(d, obs))
	rep := health.Evaluate(d, obs, nil, now)
	rep.Credentials = c.logins.health()
	return obs, rep
}

// Budget is the state of one limited kind.
type Budget struct {
	Kind      string        `json:"kind"`
	Max       int           `json:"max"`
	Per       time.Duration `json:"per"`
	Remaining int           `json:"remaining"`
}

// Gates returns the breaker state and the budget left per limited kind.
func (c *Controller) Gates(now time.Time) (guard.BreakerState, []Budget) {
	var out []Budget
	for _, x := range c.Policy().Limits {
		out = append(out, Budget{Kind: string(x.Kind), Max: x.Max, Per: x.Per, Remaining: c.limiter.Remaining(x.Kind, now)})
	}
	return c.breaker.State(), out
}

// PlanOnly observes, plans and admits like a pass (the same evaluation,
// with the gates' state rebuilt from the journal), without acting and
// without writing to the journal: what `reconciler plan` shows.
func (c *Controller) PlanOnly(ctx context.Context) (PassResult, error) {
	c.passMu.Lock()
	defer c.passMu.Unlock()
	p := c.Policy()
	now := c.clock.Now()
	c.logins.refresh(c.site.Logins)
	in, swept := c.observe(ctx, p, now)
	ev := c.evaluate(p, in, now)
	return PassResult{Start: now, End: c.clock.Now(), Obs: in.Obs, Plan: ev.Plan, Holds: ev.Holds, Swept: swept}, nil
}

// Verify re-reads the CMDB after a pass and returns, for each of the given
// servers, its pairs still not Ready by status (empty when all are Ready).
func (c *Controller) Verify(ctx context.Context, hosts []vocab.Host) (map[vocab.Host]map[vocab.Status]int, error) {
	obs := c.observer(c.Policy()).ReadSite(ctx, c.clock.Now(), false)
	if obs.CMDBErr != nil {
		return nil, obs.CMDBErr
	}
	out := map[vocab.Host]map[vocab.Status]int{}
	for _, h := range hosts {
		m := map[vocab.Status]int{}
		for _, p := range obs.PairsOf(h) {
			if p.Status != vocab.Ready {
				m[p.Status]++
			}
		}
		out[h] = m
	}
	return out, nil
}
