package controller

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/policy"
)

// Hooks tell a service manager about the loop's life (systemd's notify
// socket). Nil funcs are skipped; the zero value tells nothing.
type Hooks struct {
	// Reloaded is called once a policy received on the reload channel is
	// in force.
	Reloaded func()
	// Alive is called every AliveEvery while the loop is alive (the
	// watchdog). Alive means: the loop's own goroutine is waiting for its
	// next wake, or it is waiting for a pass that is still within its
	// bound — pass_timeout plus call_timeout plus passSlack, which a pass
	// that works never reaches. A pass stuck past its bound, or a loop
	// stuck anywhere else, stops the calls: no goroutine pings on its own.
	Alive      func()
	AliveEvery time.Duration
}

// passSlack is what a pass may take beyond pass_timeout and one call
// timeout (recording its end, the journal's fsync) before the loop
// counts it as hung.
const passSlack = time.Minute

// Run schedules passes until ctx ends, then returns nil. It is RunWith
// with no hooks.
func (c *Controller) Run(ctx context.Context, reload <-chan *policy.Policy) error {
	return c.RunWith(ctx, reload, Hooks{})
}

// RunWith schedules passes until ctx ends, then returns nil. Passes run at
// each time of reconcile.schedule (package schedule: robfig/cron/v3 specs
// in the policy's time zone, one run per local time on the days the
// clocks change), early when a server awaits verification after
// resend_status, and when a server backing off after failures may be
// retried. One pass runs at a time: schedule times that go by during a
// pass (a slow pass, a suspended machine) are counted and recorded once as
// skipped. A new policy on reload takes effect between passes.
//
// The job is wrapped in cron's Recover and SkipIfStillRunning chain; the
// timer loop is this package's own, so that the virtual-time simulator can
// drive the same loop with a fake clock.
func (c *Controller) RunWith(ctx context.Context, reload <-chan *policy.Policy, h Hooks) error {
	job := c.job(ctx)
	beat := newHeartbeat(c.clock, h)
	defer beat.stop()
	if c.passAtStart {
		c.runPass(job, beat)
	}
	due := c.Policy().Reconcile.Cron.Next(c.clock.Now())
	for {
		now := c.clock.Now()
		t := c.clock.NewTimer(c.nextWake(now, due).Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case p := <-reload:
			t.Stop()
			c.Reload(p)
			due = p.Reconcile.Cron.Next(c.clock.Now())
			call(h.Reloaded)
			continue
		case <-t.C():
		case <-beat.c():
			t.Stop()
			beat.ping(true)
			continue
		}
		scheduled := !c.clock.Now().Before(due)
		c.runPass(job, beat)
		if scheduled {
			due = c.afterScheduled(due)
		}
	}
}

// runPass runs job on its own goroutine and waits for it, pinging the
// heartbeat while the pass is within its bound.
func (c *Controller) runPass(job cron.Job, beat *heartbeat) {
	r := c.Policy().Reconcile
	deadline := c.clock.Now().Add(r.PassTimeout + r.CallTimeout + passSlack)
	done := make(chan struct{})
	go func() {
		defer close(done)
		job.Run()
	}()
	overran := false
	for {
		select {
		case <-done:
			if overran {
				c.log.Warn("the overrunning pass ended; watchdog pings resume")
			}
			return
		case <-beat.c():
			alive := c.clock.Now().Before(deadline)
			if !alive && !overran {
				overran = true
				c.log.Error("pass still running past its bound: watchdog pings stop, so the service manager can restart the daemon",
					"bound", r.PassTimeout+r.CallTimeout+passSlack)
			}
			beat.ping(alive)
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

// Start settles leadership before the first pass, so that a service
// manager is told the daemon is up only once it can act: it takes the
// leader lock when it is free and, holding it, opens the journal through
// Attach (which restores the gates). It reports whether this daemon leads;
// a follower (the lock is held elsewhere) starts too. Holding the lock but
// failing to open the journal is an error: the lock is released.
func (c *Controller) Start(ctx context.Context) (bool, error) {
	c.passMu.Lock()
	defer c.passMu.Unlock()
	lead := c.holdLock(ctx)
	if lead && c.journal == nil && c.attach != nil {
		j, err := c.attach(ctx)
		if err != nil {
			c.releaseLock()
			return false, fmt.Errorf("leader lock held but the journal cannot be opened: %w", err)
		}
		c.journal = j
	}
	lead = lead && c.journal != nil
	c.mu.Lock()
	c.leader = lead
	c.mu.Unlock()
	c.metrics.leader(lead)
	return lead, nil
}

// heartbeat is the loop's watchdog timer; a nil *heartbeat never fires.
type heartbeat struct {
	clk   clock.Clock
	every time.Duration
	alive func()
	t     clock.Timer
}

func newHeartbeat(clk clock.Clock, h Hooks) *heartbeat {
	if h.Alive == nil || h.AliveEvery <= 0 {
		return nil
	}
	b := &heartbeat{clk: clk, every: h.AliveEvery, alive: h.Alive}
	b.t = clk.NewTimer(b.every)
	return b
}

// c is the channel that fires when a ping is due.
func (b *heartbeat) c() <-chan time.Time {
	if b == nil {
		return nil
	}
	return b.t.C()
}

// ping calls Alive when the loop is alive, and arms the next beat.
func (b *heartbeat) ping(alive bool) {
	if alive {
		b.alive()
	}
	b.t = b.clk.NewTimer(b.every)
}

func (b *heartbeat) stop() {
	if b != nil {
		b.t.Stop()
	}
}

func call(f func()) {
	if f != nil {
		f()
	}
}
