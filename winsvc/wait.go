package winsvc

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrTimeout is returned by Wait when the state was not reached in time.
var ErrTimeout = errors.New("timed out")

// Wait asks query for the state at once and then every interval, until
// done accepts it, query fails, ctx ends, or timeout passes. It returns the
// last state seen; on timeout the error wraps ErrTimeout and names it.
func Wait[S any](ctx context.Context, interval, timeout time.Duration, query func() (S, error), done func(S) bool) (S, error) {
	s, err := query()
	if err != nil || done(s) {
		return s, err
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case <-ctx.Done():
			return s, context.Cause(ctx)
		case <-deadline.C:
			return s, fmt.Errorf("after %v, still %v: %w", timeout, s, ErrTimeout)
		case <-tick.C:
			if s, err = query(); err != nil || done(s) {
				return s, err
			}
		}
	}
}
