package winsvc

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// recorder keeps every status Serve reports.
type recorder struct {
	mu  sync.Mutex
	got []Status
}

func (r *recorder) report(s Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, s)
}

func (r *recorder) states() []State {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []State
	for _, s := range r.got {
		if len(out) == 0 || out[len(out)-1] != s.State {
			out = append(out, s.State)
		}
	}
	return out
}

func (r *recorder) last() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[len(r.got)-1]
}

// untilCancelled is a daemon that is ready at once, stops when told to,
// after taking cleanup to finish, and returns code.
func untilCancelled(cleanup time.Duration, code int) Daemon {
	return func(ctx context.Context, ready func()) int {
		ready()
		<-ctx.Done()
		time.Sleep(cleanup) // virtual time inside the synctest bubble
		return code
	}
}

func TestServeStop(t *testing.T) {
	for _, cmd := range []Cmd{CmdStop, CmdShutdown} {
		synctest.Test(t, func(t *testing.T) {
			req := make(chan Cmd)
			rec := &recorder{}
			res := make(chan Result, 1)
			start := time.Now()
			go func() {
				res <- Serve(t.Context(), req, rec.report, untilCancelled(7*time.Second, 0), Options{})
			}()
			synctest.Wait() // running
			req <- CmdOther // ignored
			req <- CmdInterrogate
			req <- cmd
			r := <-res
			if r != (Result{Code: 0, Requested: true}) {
				t.Errorf("result %+v", r)
			}
			if got := time.Since(start); got != 7*time.Second {
				t.Errorf("stopped after %v, want 7s", got)
			}
			want := []State{StateStartPending, StateRunning, StateStopPending}
			if got := rec.states(); !slices.Equal(got, want) {
				t.Errorf("states %v, want %v", got, want)
			}
			// CheckPoint 1 at the request, then one per 2s tick: 2, 3, 4.
			if got := rec.last(); got.CheckPoint != 4 || got.WaitHint != 10*time.Second {
				t.Errorf("last status %+v, want CheckPoint 4, WaitHint 10s", got)
			}
		})
	}
}

func TestServeInterrogateRepeatsRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		req := make(chan Cmd)
		rec := &recorder{}
		go Serve(t.Context(), req, rec.report, untilCancelled(0, 0), Options{})
		synctest.Wait() // running
		req <- CmdInterrogate
		synctest.Wait()
		if got := rec.last(); got.State != StateRunning {
			t.Errorf("after interrogate: %+v", got)
		}
		req <- CmdStop
	})
}

func TestServeStopTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		req := make(chan Cmd)
		rec := &recorder{}
		stuck := make(chan struct{})
		defer close(stuck)
		res := make(chan Result, 1)
		start := time.Now()
		go func() {
			res <- Serve(t.Context(), req, rec.report, func(_ context.Context, ready func()) int { ready(); <-stuck; return 0 },
				Options{StopTimeout: 30 * time.Second, Tick: time.Second})
		}()
		req <- CmdStop
		r := <-res
		if r != (Result{Code: 1, Requested: true, TimedOut: true}) {
			t.Errorf("result %+v", r)
		}
		if got := time.Since(start); got != 30*time.Second {
			t.Errorf("gave up after %v, want 30s", got)
		}
		if sp, ec := r.ExitCode(); sp || ec != 0 {
			t.Errorf("a requested stop reports (%v, %d), want (false, 0)", sp, ec)
		}
	})
}

func TestServeDaemonEndsOnItsOwn(t *testing.T) {
	tests := []struct {
		name     string
		run      Daemon
		wantCode int
	}{
		{"error exit", func(context.Context, func()) int { return 3 }, 3},
		{"panic", func(context.Context, func()) int { panic("boom") }, 1},
		{"clean exit", func(context.Context, func()) int { return 0 }, 0},
		{"error exit after ready", func(_ context.Context, ready func()) int { ready(); return 3 }, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rec := &recorder{}
				r := Serve(t.Context(), make(chan Cmd), rec.report, tt.run, Options{})
				if r != (Result{Code: tt.wantCode}) {
					t.Errorf("result %+v", r)
				}
				sp, ec := r.ExitCode()
				if want := tt.wantCode != 0; sp != want || ec != uint32(tt.wantCode) {
					t.Errorf("ExitCode = (%v, %d), want (%v, %d)", sp, ec, want, tt.wantCode)
				}
			})
		})
	}
}

func TestServeParentCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		res := make(chan Result, 1)
		go func() { res <- Serve(ctx, make(chan Cmd), func(Status) {}, untilCancelled(0, 0), Options{}) }()
		cancel()
		if r := <-res; r != (Result{}) {
			t.Errorf("result %+v", r)
		}
	})
}

func TestStateString(t *testing.T) {
	if got := StateStopPending.String(); got != "stop pending" {
		t.Errorf("got %q", got)
	}
	if got := State(9).String(); got != "State(9)" {
		t.Errorf("got %q", got)
	}
}
