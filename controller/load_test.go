package controller

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Reliability test 9: load. The daemon loop (Controller.Run) on a
// simulated estate of 2,000 servers, driven through a virtual day by a
// fake clock as simulate/ does, under a fault storm: faults at time 0, a
// wave of unreachable servers, a CMDB outage and a second wave of lost
// statuses later. Heap after GC is sampled at every virtual hour and must
// not grow beyond a bound once the storm is repaired; goroutines return
// to their baseline (goleak); the queue drains (the site converges, no
// verification requeue or backoff is left).
//
// Default run: 2,000 servers x 2 packages for 4 virtual hours, the storm
// a third as wide. With -reliability.long: 2,000 servers x 200 packages for
// 24 virtual hours, the full storm (about 1,300 servers hit).

// loadScenario is the fault storm on 2,000 servers x packages over hours;
// storm divides the number of servers each fault hits.
func loadScenario(packages, hours, storm int) string {
	late := func(frac float64) string { return (time.Duration(float64(hours)*frac) * time.Hour).String() }
	n := func(count int) int { return max(1, count/storm) }
	return fmt.Sprintf(`{"name": "load", "seed": 2026, "servers": 2000, "packages": %d,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "duration": "%dh",
  "faults": [
    {"kind": "credential_not_received", "count": %d},
    {"kind": "credential_stuck", "count": %d},
    {"kind": "acl_missing", "count": %d},
    {"kind": "status_lost", "count": %d},
    {"kind": "stale_status_file", "count": %d, "packages": 2},
    {"kind": "stale_ps_snapshot", "count": %d, "packages": 2},
    {"kind": "stale_ns_snapshot", "count": %d, "packages": 1},
    {"kind": "downloading", "count": %d, "packages": 2, "for": "45m"},
    {"kind": "unreachable", "count": %d, "from": "0s", "for": "2h"},
    {"kind": "unreachable", "count": %d, "from": "%s", "for": "1h"},
    {"kind": "cmdb_down", "from": "%s", "for": "20m"},
    {"kind": "status_lost", "count": %d, "from": "%s"},
    {"kind": "bad_row", "package_id": "..\\..\\Windows\\System32"}
  ]}`, packages, hours, n(150), n(8), n(120), n(300), n(100), n(150), n(100), n(100), n(100),
		n(200), late(0.4), late(0.5), n(300), late(0.6))
}

const loadPolicy = `reconcile {
  schedule             = "*/5 * * * *"
  pending_grace        = "30m"
  concurrency          = 16
  max_servers_per_pass = 250
}
limit "delete_ns_snapshot" {
  max = 20
  per = "1h"
}
limit "delete_ps_snapshot" {
  max = 300
  per = "1h"
}
limit "set_credential_mode" {
  max = 4
  per = "24h"
}
`

// heapMB returns the live heap after a full collection, in MiB.
func heapMB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func TestLoadVirtualDayOn2000Servers(t *testing.T) {
	packages, hours, storm := 2, 4, 3
	if *long {
		packages, hours, storm = 200, 24, 1
	}
	if testing.Short() && !*long {
		t.Skip("load: not in -short")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	began := time.Now()
	r := newRig(t, scenario(t, loadScenario(packages, hours, storm)), loadPolicy)
	initial := r.site.NotReady()
	baseHeap := heapMB()

	end := t0.Add(time.Duration(hours) * time.Hour)
	l := r.startLoop()
	const every = 20 * time.Minute
	var heap []float64 // after GC, every 20 virtual minutes
	wakes, nextSample := 0, t0.Add(every)
	maxNotReady := initial
	for {
		r.clk.WaitForTimers(1)
		if next, _ := r.clk.Next(); next.After(end) {
			break
		}
		at := l.step()
		wakes++
		maxNotReady = max(maxNotReady, r.site.NotReady())
		if !at.Before(nextSample) {
			heap = append(heap, heapMB())
			nextSample = nextSample.Add(every)
		}
	}
	l.stop()
	elapsed := time.Since(began)

	for _, smp := range r.site.Timeline() {
		maxNotReady = max(maxNotReady, smp.NotReady)
	}
	notReady := r.site.NotReady()
	passes := len(r.passStarts())
	t.Logf("%d servers x %d packages, %dh virtual: %d wakes, %d passes, not Ready %d at start (max %d), %d at end; "+
		"heap after GC %.1f MiB before the loop, every 20 min %v; %d unsafe paths; %s wall",
		2000, packages, hours, wakes, passes, initial, maxNotReady, notReady, baseHeap, roundAll(heap),
		r.site.UnsafePathsTouched(), elapsed.Round(time.Millisecond))
	if notReady != 0 {
		t.Errorf("the queue did not drain: %d pairs not Ready at the end", notReady)
	}
	r.ctl.mu.Lock()
	verify, held := len(r.ctl.verify), len(r.ctl.retry.held(r.clk.Now()))
	r.ctl.mu.Unlock()
	if verify != 0 || held != 0 {
		t.Errorf("queue left at the end: %d verification requeues, %d servers backing off", verify, held)
	}
	if n := r.site.UnsafePathsTouched(); n != 0 {
		t.Errorf("%d unsafe paths touched", n)
	}
	checkHeapFlat(t, heap)
	r.verifyJournal()
	r.journal.Close()
}

// checkHeapFlat asserts that the heap does not grow once the storms are
// repaired: over the last third of the run it stays within the range of
// the middle third, give or take 1 MiB + 5% (what each pass allocates is
// freed, nothing accumulates per pass). The range, not one value: an
// hourly sweep observes every server, and its health report, kept until
// the next pass, is larger than that of a pass over the servers in
// question. The heap must also end within twice its first sample + 8 MiB
// (what a storm needed, such as map buckets sized for its pairs, may stay;
// nothing grows without bound). Storm peaks are reported, not bounded.
func checkHeapFlat(t *testing.T, heap []float64) {
	t.Helper()
	if len(heap) < 6 {
		t.Fatalf("only %d heap samples", len(heap))
	}
	mid, steady := heap[len(heap)/3:len(heap)*2/3], heap[len(heap)*2/3:]
	mlo, mhi := slices.Min(mid), slices.Max(mid)
	lo, hi := slices.Min(steady), slices.Max(steady)
	if slack := 1 + 0.05*mhi; hi > mhi+slack || lo > mlo+slack {
		t.Errorf("heap grew once repaired: %.1f to %.1f MiB over the last %d samples %v, after %.1f to %.1f MiB %v",
			lo, hi, len(steady), roundAll(steady), mlo, mhi, roundAll(mid))
	}
	if end, bound := heap[len(heap)-1], 2*heap[0]+8; end > bound {
		t.Errorf("heap ends at %.1f MiB, above the bound %.1f MiB (first sample %.1f MiB)", end, bound, heap[0])
	}
}

func roundAll(xs []float64) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("%.1f", x)
	}
	return out
}
