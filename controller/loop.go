package controller

import (
	"context"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/policy"
)

// Run schedules passes until ctx ends, then returns nil. Passes run at each
// time of reconcile.schedule (robfig/cron/v3, in the policy's time zone),
// early when a server awaits verification after resend_status, and when a
// server backing off after failures may be retried. One pass runs at a
// time: schedule times that go by during a pass (a slow pass, a suspended
// machine) are counted and recorded once as skipped. A new policy on reload
// takes effect between passes.
//
// The job is wrapped in cron's Recover and SkipIfStillRunning chain; the
// timer loop is this package's own, so that the virtual-time simulator can
// drive the same loop with a fake clock.
func (c *Controller) Run(ctx context.Context, reload <-chan *policy.Policy) error {
	job := c.job(ctx)
	if c.passAtStart {
		job.Run()
	}
	due := c.Policy().Reconcile.Cron.Next(c.clock.Now())
	for {
		now := c.clock.Now()
		wake := c.nextWake(now, due)
		t := c.clock.NewTimer(wake.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case p := <-reload:
			t.Stop()
			c.Reload(p)
			due = p.Reconcile.Cron.Next(c.clock.Now())
			continue
		case <-t.C():
		}
		scheduled := !c.clock.Now().Before(due)
		job.Run()
		if scheduled {
			due = c.afterScheduled(due)
		}
	}
}

// job wraps one pass in cron's Recover and SkipIfStillRunning chain.
func (c *Controller) job(ctx context.Context) cron.Job {
	logger := cron.PrintfLogger(slog.NewLogLogger(c.log.Handler(), slog.LevelError))
	return cron.NewChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)).Then(cron.FuncJob(func() {
		res, _ := c.ReconcileOnce(ctx) // the error is res.Err
		c.logPass(res)
	}))
}

// afterScheduled returns the next schedule time after the pass that ran for
// due, recording the schedule times the pass (or a clock jump) went past.
func (c *Controller) afterScheduled(due time.Time) time.Time {
	sched := c.Policy().Reconcile.Cron
	now := c.clock.Now()
	var missed []time.Time
	next := sched.Next(due)
	for !next.After(now) && len(missed) < 10_000 {
		missed = append(missed, next)
		next = sched.Next(next)
	}
	if len(missed) > 0 {
		c.recordSkipped(missed)
	}
	return next
}

// recordSkipped records, once, the schedule times that went by unserved.
func (c *Controller) recordSkipped(missed []time.Time) {
	c.log.Warn("scheduled passes skipped: a pass was still running or the clock jumped",
		"count", len(missed), "first", missed[0], "last", missed[len(missed)-1])
	c.metrics.skipped(len(missed))
	detail := map[string]any{"skipped_passes": len(missed), "first": missed[0], "last": missed[len(missed)-1]}
	if err := c.append(audit.Record{Type: audit.TypeNote, Detail: audit.JSON(detail)}); err != nil {
		c.log.Error("skipped passes not recorded", "error", err)
	}
}

// nextWake is the earliest of the next schedule time, a verification
// requeue and a backoff expiry, never in the past.
func (c *Controller) nextWake(now, due time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	wake := due
	for _, at := range c.verify {
		if at.Before(wake) {
			wake = at
		}
	}
	if at, ok := c.retry.next(now); ok && at.Before(wake) {
		wake = at
	}
	if wake.Before(now) {
		return now
	}
	return wake
}
