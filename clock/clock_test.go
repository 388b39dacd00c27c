package clock

import (
	"testing"
	"time"
)

func TestFakeTimers(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(t0)
	a := f.NewTimer(time.Minute)
	b := f.NewTimer(2 * time.Minute)
	c := f.NewTimer(3 * time.Minute)
	if !c.Stop() || c.Stop() {
		t.Fatal("Stop: want true then false")
	}
	if f.Pending() != 2 || f.Created() != 3 {
		t.Fatalf("pending %d created %d", f.Pending(), f.Created())
	}
	if next, ok := f.Next(); !ok || !next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("Next = %v %v", next, ok)
	}
	f.Set(t0.Add(-time.Hour)) // backwards fires nothing
	select {
	case <-a.C():
		t.Fatal("fired when moved back")
	default:
	}
	f.Set(t0.Add(90 * time.Second))
	if got := <-a.C(); !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("a fired at %v", got)
	}
	select {
	case <-b.C():
		t.Fatal("b fired early")
	default:
	}
	f.Advance(time.Minute)
	<-b.C()
	if f.Pending() != 0 {
		t.Fatalf("pending %d after all fired", f.Pending())
	}
	if z := f.NewTimer(0); z.Stop() {
		t.Fatal("a zero timer fires at once")
	}
}

func TestFakeWaitForTimers(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	done := make(chan struct{})
	go func() {
		f.WaitForTimers(1)
		f.WaitForCreated(1)
		close(done)
	}()
	f.NewTimer(time.Second)
	<-done
}
