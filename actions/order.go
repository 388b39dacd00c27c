package actions

import (
	"cmp"
	"container/heap"
	"fmt"
)

// order sorts actions topologically over their After and Requires edges,
// choosing among ready actions by a fixed key (NS first, then server name,
// kind, round, package), so the result is deterministic. A cycle is a bug
// in the planner and panics.
func order(as []Action) []Action {
	idx := make(map[string]int, len(as))
	for i, a := range as {
		idx[a.ID] = i
	}
	indeg := make([]int, len(as))
	next := make([][]int, len(as))
	for i, a := range as {
		for _, dep := range deps(a) {
			j := idx[dep]
			next[j] = append(next[j], i)
			indeg[i]++
		}
	}
	h := &actionHeap{as: as}
	for i := range as {
		if indeg[i] == 0 {
			heap.Push(h, i)
		}
	}
	out := make([]Action, 0, len(as))
	for h.Len() > 0 {
		i := heap.Pop(h).(int)
		out = append(out, as[i])
		for _, j := range next[i] {
			if indeg[j]--; indeg[j] == 0 {
				heap.Push(h, j)
			}
		}
	}
	if len(out) != len(as) {
		panic(fmt.Sprintf("actions: dependency cycle among %d actions", len(as)-len(out)))
	}
	return out
}

// deps returns the distinct actions a must follow.
func deps(a Action) []string {
	ds := union(nil, a.After)
	for _, r := range a.Reasons {
		ds = union(ds, r.Requires)
	}
	return ds
}

type actionHeap struct {
	as []Action
	is []int
}

func (h *actionHeap) Len() int           { return len(h.is) }
func (h *actionHeap) Less(i, j int) bool { return less(h.as[h.is[i]], h.as[h.is[j]]) }
func (h *actionHeap) Swap(i, j int)      { h.is[i], h.is[j] = h.is[j], h.is[i] }
func (h *actionHeap) Push(x any)         { h.is = append(h.is, x.(int)) }
func (h *actionHeap) Pop() any {
	n := len(h.is) - 1
	x := h.is[n]
	h.is = h.is[:n]
	return x
}

// less is the tie-break among actions that are ready at the same time.
func less(a, b Action) bool {
	if c := cmp.Compare(boolKey(!a.Target.IsNS()), boolKey(!b.Target.IsNS())); c != 0 {
		return c < 0
	}
	if c := cmp.Compare(a.Target.Server, b.Target.Server); c != 0 {
		return c < 0
	}
	if c := cmp.Compare(a.Round, b.Round); c != 0 {
		return c < 0
	}
	if c := cmp.Compare(a.Kind.rank(), b.Kind.rank()); c != 0 {
		return c < 0
	}
	return a.ID < b.ID
}

func boolKey(b bool) int {
	if b {
		return 1
	}
	return 0
}
