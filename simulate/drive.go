package simulate

import (
	"context"
	"time"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/controller"
)

// forever is far enough that a timer set this far never fires in a
// simulation: it only wakes the driver when the caller cancels.
const forever = 100 * 365 * 24 * time.Hour

// driver moves the fake clock for controller.Run, one wake at a time.
type driver struct {
	clk *clock.Fake
	end time.Time
	// afterWake is called once the pass (or passes) a wake started are
	// over and the loop sleeps again.
	afterWake func()
}

// run runs ctl's daemon loop until the next wake would pass d.end, then
// sets the clock to the end, stops the loop and waits for it. It returns
// the number of wakes it drove, and ctx's error if ctx ended first.
func (d *driver) run(ctx context.Context, ctl *controller.Controller) (int, error) {
	loopCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ctl.Run(loopCtx, nil) }()
	// The waits below take no context: when ctx ends, a timer that never
	// fires wakes them, and the driver stops.
	stopWake := context.AfterFunc(ctx, func() { d.clk.NewTimer(forever) })
	defer stopWake()
	wakes := 0
	for d.step(ctx) {
		wakes++
		if d.afterWake != nil {
			d.afterWake()
		}
	}
	if d.clk.Now().Before(d.end) && ctx.Err() == nil {
		d.clk.Set(d.end)
	}
	cancel()
	if err := <-done; err != nil {
		return wakes, err
	}
	return wakes, ctx.Err()
}

// step waits until the loop sleeps, moves the clock to its wake time and
// waits until the loop armed its next timer (the passes it woke for are
// over). It reports false, having moved nothing, when the wake would pass
// the end or ctx ended.
func (d *driver) step(ctx context.Context) bool {
	d.clk.WaitForTimers(1)
	if ctx.Err() != nil {
		return false
	}
	created := d.clk.Created()
	next, ok := d.clk.Next()
	if !ok || next.After(d.end) {
		return false
	}
	d.clk.Set(next)
	d.clk.WaitForCreated(created + 1)
	return ctx.Err() == nil
}
