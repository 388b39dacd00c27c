package planner_test

import (
	"context"
	"slices"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/site/sim"
)

// search looks depth-first, with a transposition table and an admissible
// lower bound, for a sequence of at most depth actions that reaches the
// desired state; nil when there is none. It returns the states visited.
func search(ctx context.Context, t *testing.T, start *sim.Site, g goal, depth int) ([]string, int) {
	s := &searcher{ctx: ctx, t: t, goal: g, bound: depth, universe: allActions(start, g),
		seen: map[string]int{key(start): 0}}
	path := s.dfs(start, nil)
	return path, len(s.seen)
}

type searcher struct {
	ctx      context.Context
	t        *testing.T
	goal     goal
	bound    int
	universe []actions.Action
	seen     map[string]int // state → fewest steps it was reached in
}

func (s *searcher) dfs(site *sim.Site, path []string) []string {
	if len(path)+lowerBound(s.ctx, s.t, site, s.goal) > s.bound {
		return nil
	}
	if reached(s.ctx, s.t, site, s.goal) {
		return path
	}
	if len(s.seen) > maxStates {
		s.t.Skipf("search space too large (%d states)", len(s.seen))
	}
	for _, a := range s.universe {
		c := site.Clone()
		if c.Apply(s.ctx, a) != nil {
			continue
		}
		k := key(c)
		if d, ok := s.seen[k]; ok && d <= len(path)+1 {
			continue
		}
		s.seen[k] = len(path) + 1
		if found := s.dfs(c, append(slices.Clone(path), a.ID)); found != nil {
			return found
		}
	}
	return nil
}

// breadthFirst is the plain search without a bound, a cross-check of
// search on short plans.
func breadthFirst(ctx context.Context, t *testing.T, start *sim.Site, g goal, depth int) []string {
	type node struct {
		site *sim.Site
		path []string
	}
	universe := allActions(start, g)
	seen := map[string]bool{key(start): true}
	level := []node{{site: start}}
	for d := 0; d <= depth && len(level) > 0; d++ {
		var next []node
		for _, n := range level {
			if reached(ctx, t, n.site, g) {
				return n.path
			}
			for _, a := range universe {
				c := n.site.Clone()
				if d == depth || c.Apply(ctx, a) != nil || seen[key(c)] {
					continue
				}
				seen[key(c)] = true
				next = append(next, node{site: c, path: append(slices.Clone(n.path), a.ID)})
			}
		}
		level = next
	}
	return nil
}
