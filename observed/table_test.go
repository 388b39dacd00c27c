package observed

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTableSortsInPlace: after puts in any order, replacements included,
// the rows are in key order, each once with its last value, and every key
// finds its row.
func TestTableSortsInPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 300 {
		tb := newTable[int, int](cmp.Compare[int])
		want := map[int]int{}
		for range r.IntN(3) {
			for range r.IntN(50) {
				k, v := r.IntN(40), r.Int()
				tb.put(k, v)
				want[k] = v
			}
			tb.sort()
		}
		var keys []int
		for i, e := range tb.rows {
			keys = append(keys, e.key)
			if want[e.key] != e.val {
				t.Fatalf("key %d holds %d, want %d", e.key, e.val, want[e.key])
			}
			if tb.index[e.key] != i {
				t.Fatalf("index of %d is %d, row at %d", e.key, tb.index[e.key], i)
			}
		}
		if !slices.IsSorted(keys) || len(keys) != len(want) || len(tb.index) != len(want) {
			t.Fatalf("rows %v for %d keys", keys, len(want))
		}
	}
}
