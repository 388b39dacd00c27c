package planner

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestUnion: the sorted set union without empty strings, whatever the
// order of either side and its repeats.
func TestUnion(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	words := []string{"", "a", "b", "c", "update_configuration:PS001", "resend_status:PS001"}
	gen := func() []string {
		if r.IntN(4) == 0 {
			return nil
		}
		out := make([]string, r.IntN(6))
		for i := range out {
			out[i] = words[r.IntN(len(words))]
		}
		return out
	}
	for range 2000 {
		a, b := gen(), gen()
		ac, bc := slices.Clone(a), slices.Clone(b)
		var want []string
		for _, s := range append(slices.Clone(a), b...) {
			if s != "" && !slices.Contains(want, s) {
				want = append(want, s)
			}
		}
		slices.Sort(want)
		if got := union(a, b); !slices.Equal(got, want) {
			t.Fatalf("union(%q, %q) = %q, want %q", a, b, got, want)
		}
		if !slices.Equal(a, ac) || !slices.Equal(b, bc) {
			t.Fatalf("union changed its arguments")
		}
	}
}
