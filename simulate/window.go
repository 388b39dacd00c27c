package simulate

import (
	"time"
)

// maxInWindow returns the most times of ts (sorted) that fall in any one
// window (t-per, t], the window a limit's budget counts.
func maxInWindow(ts []time.Time, per time.Duration) int {
	best, lo := 0, 0
	for hi, t := range ts {
		for !ts[lo].After(t.Add(-per)) {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// overCap counts the times of ts (sorted, one per action, in the order the
// actions ran) at which more than capacity actions had run in the trailing
// window (t-per, t], that one included.
func overCap(ts []time.Time, capacity int, per time.Duration) int {
	n, lo := 0, 0
	for hi, t := range ts {
		for !ts[lo].After(t.Add(-per)) {
			lo++
		}
		if hi-lo+1 > capacity {
			n++
		}
	}
	return n
}

// Point is one step of a step series: from At on, the value is Value.
type Point struct {
	At    time.Time
	Value int
}

// rolling returns, as a step series over [start, end], how many times of
// ts (sorted) count in the trailing window (now-per, now]: each time
// counts from itself until per later.
func rolling(ts []time.Time, per time.Duration, start, end time.Time) []Point {
	out := []Point{{At: start}}
	set := func(at time.Time, v int) {
		if last := &out[len(out)-1]; last.At.Equal(at) {
			last.Value = v
			return
		}
		if out[len(out)-1].Value != v {
			out = append(out, Point{At: at, Value: v})
		}
	}
	in, out0 := 0, 0 // next time to enter, next to leave
	for in < len(ts) || out0 < in {
		enter := in < len(ts)
		if enter && out0 < in && !ts[out0].Add(per).After(ts[in]) {
			enter = false
		}
		var at time.Time
		if enter {
			at = ts[in]
			in++
		} else {
			at = ts[out0].Add(per)
			out0++
		}
		if at.After(end) {
			break
		}
		set(at, in-out0)
	}
	return out
}
