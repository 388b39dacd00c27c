package planner

import (
	"cmp"
	"fmt"
	"github.com/itms-tools/reconciler/actions"
	"slices"
)

// order sorts actions topologically over their After and Requires edges,
// choosing among ready actions by a fixed key (NS first, then server name,
// kind, round, package), so the result is deterministic. A cycle is a bug
// in the planner and panics.
func order(as []actions.Action) []actions.Action {
	idx := make(map[string]int, len(as))
	for i, a := range as {
		idx[a.ID] = i
	}
	// rank[i] is action i's place in the tie-break order, so that the heap
	// compares ints.
	byKey := make([]int, len(as))
	for i := range byKey {
		byKey[i] = i
	}
	slices.SortFunc(byKey, func(i, j int) int { return compareActions(&as[i], &as[j]) })
	rank := make([]int, len(as))
	for r, i := range byKey {
		rank[i] = r
	}
	indeg := make([]int, len(as))
	next := make([][]int, len(as))
	for i, a := range as {
		for _, dep := range a.Deps() {
			j := idx[dep]
			next[j] = append(next[j], i)
			indeg[i]++
		}
	}
	var ready rankHeap // ranks of the actions whose dependencies are done
	for i := range as {
		if indeg[i] == 0 {
			ready.push(rank[i])
		}
	}
	out := make([]actions.Action, 0, len(as))
	for len(ready) > 0 {
		i := byKey[ready.pop()]
		out = append(out, as[i])
		for _, j := range next[i] {
			if indeg[j]--; indeg[j] == 0 {
				ready.push(rank[j])
			}
		}
	}
	if len(out) != len(as) {
		panic(fmt.Sprintf("actions: dependency cycle among %d actions", len(as)-len(out)))
	}
	return out
}

// rankHeap is a min-heap of ranks.
type rankHeap []int

func (h *rankHeap) push(r int) {
	*h = append(*h, r)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if a[p] <= a[i] {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *rankHeap) pop() int {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && a[l] < a[m] {
			m = l
		}
		if r := l + 1; r < n && a[r] < a[m] {
			m = r
		}
		if m == i {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
	return top
}

// compareActions is the tie-break among actions that are ready at the
// same time.
func compareActions(a, b *actions.Action) int {
	return cmp.Or(
		cmp.Compare(boolKey(!a.Target.IsNS()), boolKey(!b.Target.IsNS())),
		cmp.Compare(a.Target.Server, b.Target.Server),
		cmp.Compare(a.Round, b.Round),
		cmp.Compare(a.Kind.Rank(), b.Kind.Rank()),
		cmp.Compare(a.ID, b.ID),
	)
}

func boolKey(b bool) int {
	if b {
		return 1
	}
	return 0
}
