// Package clock injects time. Production code takes a Clock; tests and the
// virtual-time simulator pass a Fake and move it by hand, so nothing in the
// project sleeps to wait for time to pass.
//
// It owns no policy and no scheduling decisions.
package clock

import (
	"sort"
	"sync"
	"time"
)

// Clock tells the time and makes timers.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the project uses.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// NewTimer wraps time.NewTimer.
func (Real) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// Fake is a clock that moves only when told to. It is safe for concurrent use.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	created int
	waitCh  chan struct{}
}

// NewFake returns a fake clock set to t.
func NewFake(t time.Time) *Fake { return &Fake{now: t, waitCh: make(chan struct{})} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer returns a timer that fires when the fake time reaches now+d.
func (f *Fake) NewTimer(d time.Duration) Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{f: f, at: f.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- f.now
		t.fired = true
		return t
	}
	f.timers = append(f.timers, t)
	f.created++
	close(f.waitCh)
	f.waitCh = make(chan struct{})
	return t
}

// Advance moves the clock forward by d, firing due timers in time order.
func (f *Fake) Advance(d time.Duration) { f.Set(f.Now().Add(d)) }

// Set moves the clock to t (forward or back), firing timers due at or
// before t. Moving back fires nothing.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t
	sort.SliceStable(f.timers, func(i, j int) bool { return f.timers[i].at.Before(f.timers[j].at) })
	keep := f.timers[:0]
	for _, tm := range f.timers {
		if tm.stopped {
			continue
		}
		if !tm.at.After(t) {
			tm.fired = true
			tm.ch <- tm.at
			continue
		}
		keep = append(keep, tm)
	}
	f.timers = keep
}

// Pending returns the number of timers that have not fired or stopped.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pendingLocked()
}

func (f *Fake) pendingLocked() int {
	n := 0
	for _, t := range f.timers {
		if !t.stopped && !t.fired {
			n++
		}
	}
	return n
}

// Next returns the time of the earliest pending timer.
func (f *Fake) Next() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var next time.Time
	found := false
	for _, t := range f.timers {
		if t.stopped || t.fired {
			continue
		}
		if !found || t.at.Before(next) {
			next, found = t.at, true
		}
	}
	return next, found
}

// WaitForTimers blocks until at least n timers are pending, so a test can
// advance the clock only once the code under test is waiting on it.
func (f *Fake) WaitForTimers(n int) {
	f.waitFor(func() bool { return f.pendingLocked() >= n })
}

// Created returns how many timers with a positive duration were created.
func (f *Fake) Created() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.created
}

// WaitForCreated blocks until at least n timers were created in all and
// one is pending: the code under test armed a new timer.
func (f *Fake) WaitForCreated(n int) {
	f.waitFor(func() bool { return f.created >= n && f.pendingLocked() > 0 })
}

func (f *Fake) waitFor(cond func() bool) {
	for {
		f.mu.Lock()
		ch, ok := f.waitCh, cond()
		f.mu.Unlock()
		if ok {
			return
		}
		<-ch
	}
}

type fakeTimer struct {
	f       *Fake
	at      time.Time
	ch      chan time.Time
	stopped bool
	fired   bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	was := !t.stopped && !t.fired
	t.stopped = true
	return was
}
