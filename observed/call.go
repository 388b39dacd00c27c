package observed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/itms-tools/reconciler/vocab"
)

// errTimeout marks a driver call that did not answer within its timeout.
var errTimeout = errors.New("no answer in time")

type result[T any] struct {
	v   T
	err error
}

// call runs fn with a context bounded by timeout (none when timeout <= 0)
// and turns a panic inside fn into an error. It returns when fn returns or
// when the context ends, whichever comes first: a driver that ignores its
// context cannot stall the pass. An abandoned fn keeps running until it
// returns; its result is discarded. done, if not nil, runs when fn returns.
func call[T any](ctx context.Context, timeout time.Duration, done func(), fn func(context.Context) (T, error)) (T, error) {
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	ch := make(chan result[T], 1)
	go func() {
		if done != nil {
			defer done()
		}
		defer func() {
			if r := recover(); r != nil {
				ch <- result[T]{err: fmt.Errorf("panic: %s", vocab.Clip(fmt.Sprint(r)))}
			}
		}()
		v, err := fn(cctx)
		ch <- result[T]{v: v, err: err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return r.v, explain(ctx, cctx, timeout, r.err)
		}
		return r.v, nil
	case <-cctx.Done():
		var zero T
		return zero, explain(ctx, cctx, timeout, cctx.Err())
	}
}

// explain words a failed call the same way however the end of its context
// was noticed (by the driver or by call), so results do not depend on
// goroutine timing.
func explain(parent, cctx context.Context, timeout time.Duration, err error) error {
	switch {
	case parent.Err() != nil:
		return fmt.Errorf("cancelled: %w", context.Cause(parent))
	case errors.Is(cctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%w (%s)", errTimeout, timeout)
	}
	return err
}

// clipError renders a driver error for an Agent's Error field: one line,
// at most maxErrorLen bytes (cut on a rune boundary).
func clipError(err error) string {
	const maxErrorLen = 300
	s := strings.NewReplacer("\r", " ", "\n", " ").Replace(err.Error())
	if len(s) <= maxErrorLen {
		return s
	}
	cut := maxErrorLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
