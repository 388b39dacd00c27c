package winsvc

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// scripted returns a query that answers states in order, then repeats the
// last one, and counts its calls.
func scripted(states ...State) (func() (State, error), *int) {
	calls := 0
	return func() (State, error) {
		s := states[min(calls, len(states)-1)]
		calls++
		return s, nil
	}, &calls
}

func isStopped(s State) bool { return s == StateStopped }

func TestWaitReachesState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, calls := scripted(StateStopPending, StateStopPending, StateStopped)
		start := time.Now()
		s, err := Wait(t.Context(), time.Second, time.Minute, q, isStopped)
		if err != nil || s != StateStopped {
			t.Fatalf("Wait = %v, %v", s, err)
		}
		if *calls != 3 || time.Since(start) != 2*time.Second {
			t.Errorf("%d queries over %v, want 3 over 2s", *calls, time.Since(start))
		}
	})
}

func TestWaitAlreadyThere(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, calls := scripted(StateStopped)
		if s, err := Wait(t.Context(), time.Second, time.Minute, q, isStopped); err != nil || s != StateStopped || *calls != 1 {
			t.Fatalf("Wait = %v, %v after %d queries", s, err, *calls)
		}
	})
}

func TestWaitTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, calls := scripted(StateStopPending)
		start := time.Now()
		s, err := Wait(t.Context(), 500*time.Millisecond, 10*time.Second, q, isStopped)
		if !errors.Is(err, ErrTimeout) || s != StateStopPending {
			t.Fatalf("Wait = %v, %v; want stop pending and ErrTimeout", s, err)
		}
		if got := time.Since(start); got != 10*time.Second {
			t.Errorf("gave up after %v", got)
		}
		if *calls < 19 || *calls > 21 {
			t.Errorf("%d queries, want about 20", *calls)
		}
		if want := "after 10s, still stop pending: timed out"; err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	})
}

func TestWaitQueryError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("access denied")
		n := 0
		q := func() (State, error) {
			if n++; n == 2 {
				return StateRunning, boom
			}
			return StateStopPending, nil
		}
		if _, err := Wait(t.Context(), time.Second, time.Minute, q, isStopped); !errors.Is(err, boom) {
			t.Fatalf("err %v, want %v", err, boom)
		}
	})
}

func TestWaitCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(t.Context())
		why := errors.New("interrupted")
		time.AfterFunc(3*time.Second, func() { cancel(why) })
		q, _ := scripted(StateStopPending)
		if _, err := Wait(ctx, time.Second, time.Minute, q, isStopped); !errors.Is(err, why) {
			t.Fatalf("err %v, want %v", err, why)
		}
	})
}
