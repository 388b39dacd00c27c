package observed_test

import (
	"sync"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

func TestAges(t *testing.T) {
	clk := clock.NewFake(t0)
	ages := &observed.Ages{}
	observe := func(ps ...observed.Pair) []observed.Pair {
		ages.Observe(clk.Now(), ps)
		return ps
	}
	p1 := pair("PS001", pkgA, vocab.Pending)
	p2 := pair("PS002", pkgA, vocab.Pending)

	pass1 := clk.Now()
	if got := observe(p1); !got[0].Since.IsZero() {
		t.Errorf("pass 1: Since %v; want zero for a fresh Ages", got[0].Since)
	}
	clk.Advance(5 * time.Minute)
	pass2 := clk.Now()
	got := observe(p1, p2)
	if !got[0].Since.Equal(pass1) || !got[1].Since.Equal(pass2) {
		t.Errorf("pass 2: Since %v, %v; want %v (seen before) and %v (new)", got[0].Since, got[1].Since, pass1, pass2)
	}
	clk.Advance(5 * time.Minute)
	got = observe(p2) // p1 left question
	if !got[0].Since.Equal(pass2) || ages.Len() != 1 {
		t.Errorf("pass 3: Since %v, tracked %d; want %v and 1", got[0].Since, ages.Len(), pass2)
	}
	clk.Advance(5 * time.Minute)
	got = observe(p1) // p1 back: a new episode
	if !got[0].Since.Equal(clk.Now()) {
		t.Errorf("pass 4: Since %v; want %v", got[0].Since, clk.Now())
	}
	p1.Status = vocab.Invalid
	clk.Advance(time.Minute)
	if got = observe(p1); !got[0].Since.Equal(clk.Now()) {
		t.Errorf("status change: Since %v; want %v", got[0].Since, clk.Now())
	}
	p1.Server = "ps001" // same host, other spelling
	clk.Advance(time.Minute)
	if got2 := observe(p1); !got2[0].Since.Equal(got[0].Since) {
		t.Errorf("case change: Since %v; want %v", got2[0].Since, got[0].Since)
	}
}

func TestNilAgesLeavesSinceUnknown(t *testing.T) {
	var ages *observed.Ages
	ps := []observed.Pair{pair("PS001", pkgA, vocab.Pending)}
	ages.Observe(t0, ps)
	if !ps[0].Since.IsZero() || ages.Len() != 0 {
		t.Errorf("nil Ages set Since %v", ps[0].Since)
	}
}

func TestAgesConcurrentUse(t *testing.T) {
	ages := &observed.Ages{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			ps := []observed.Pair{pair("PS001", pkgA, vocab.Pending)}
			ages.Observe(t0.Add(time.Duration(i)*time.Minute), ps)
			_ = ages.Len()
		})
	}
	wg.Wait()
	if ages.Len() != 1 {
		t.Errorf("tracked %d; want 1", ages.Len())
	}
}
