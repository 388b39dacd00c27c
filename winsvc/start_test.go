package winsvc

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// readyAfter is a daemon that takes d to start (load the policy, open the
// journal), then calls ready and runs until cancelled.
func readyAfter(d time.Duration) Daemon {
	return func(ctx context.Context, ready func()) int {
		select {
		case <-time.After(d): // virtual time inside the synctest bubble
			ready()
		case <-ctx.Done():
			return 0
		}
		<-ctx.Done()
		return 0
	}
}

// The SCM hears Running only once the daemon says it is ready: until then
// StartPending, its CheckPoint growing every Tick (else the SCM gives up),
// and an interrogation repeats StartPending.
func TestServeRunningOnlyWhenReady(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		req := make(chan Cmd)
		rec := &recorder{}
		res := make(chan Result, 1)
		go func() { res <- Serve(t.Context(), req, rec.report, readyAfter(7*time.Second), Options{}) }()
		time.Sleep(5 * time.Second) // virtual
		synctest.Wait()
		req <- CmdInterrogate
		synctest.Wait()
		if got := rec.states(); !slices.Equal(got, []State{StateStartPending}) {
			t.Fatalf("after 5s of a 7s start: %v, want start pending only", got)
		}
		if got := rec.last(); got.CheckPoint != 3 || got.WaitHint != 10*time.Second {
			t.Fatalf("interrogated while starting: %+v, want CheckPoint 3 (0s, 2s, 4s), WaitHint 10s", got)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if got := rec.states(); !slices.Equal(got, []State{StateStartPending, StateRunning}) {
			t.Fatalf("after the daemon was ready: %v", got)
		}
		req <- CmdStop
		if r := <-res; r != (Result{Requested: true}) {
			t.Fatalf("result %+v", r)
		}
	})
}

// A daemon that fails before it is ready (a journal it cannot open) ends
// the start with its code: the SCM never hears Running, records a
// service-specific error and applies the recovery actions.
func TestServeFailsBeforeReady(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		failing := func(context.Context, func()) int {
			time.Sleep(3 * time.Second)
			return 1
		}
		r := Serve(t.Context(), make(chan Cmd), rec.report, failing, Options{})
		if r != (Result{Code: 1}) {
			t.Fatalf("result %+v", r)
		}
		if sp, code := r.ExitCode(); !sp || code != 1 {
			t.Fatalf("ExitCode (%v, %d), want a service-specific 1", sp, code)
		}
		if got := rec.states(); !slices.Equal(got, []State{StateStartPending}) {
			t.Fatalf("states %v, want start pending only", got)
		}
	})
}

// A daemon that is never ready is cancelled after StartTimeout: the start
// failed, whatever code it then returns.
func TestServeStartTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		start := time.Now()
		r := Serve(t.Context(), make(chan Cmd), rec.report, readyAfter(time.Hour), Options{StartTimeout: 40 * time.Second})
		if r != (Result{Code: 1, NotReady: true}) {
			t.Fatalf("result %+v", r)
		}
		if got := time.Since(start); got != 40*time.Second {
			t.Fatalf("gave up after %v, want 40s", got)
		}
		if sp, code := r.ExitCode(); !sp || code != 1 {
			t.Fatalf("ExitCode (%v, %d), want a service-specific 1", sp, code)
		}
		if got := rec.states(); !slices.Equal(got, []State{StateStartPending, StateStopPending}) {
			t.Fatalf("states %v", got)
		}
	})
}

// A stop or shutdown while starting cancels the start.
func TestServeStopWhileStarting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		req := make(chan Cmd)
		rec := &recorder{}
		res := make(chan Result, 1)
		go func() { res <- Serve(t.Context(), req, rec.report, readyAfter(time.Minute), Options{}) }()
		time.Sleep(time.Second)
		req <- CmdShutdown
		if r := <-res; r != (Result{Requested: true}) {
			t.Fatalf("result %+v", r)
		}
		if got := rec.states(); !slices.Equal(got, []State{StateStartPending, StateStopPending}) {
			t.Fatalf("states %v", got)
		}
	})
}
