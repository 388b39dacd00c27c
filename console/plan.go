package console

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/actions"
)

// planCache is one evaluation, reused for PlanEvery.
type planCache struct {
	at  time.Time
	res PlanResult
	err error
}

// planGroup is the actions on one target, as `reconciler plan` groups them.
type planGroup struct {
	Title   string
	Actions []planAction
}

type planAction struct {
	Step   int
	Action actions.Action
	Held   bool
	Hold   actions.Hold
}

type planPage struct {
	page
	Available bool
	Err       string
	At        time.Time
	Result    PlanResult
	Groups    []planGroup
	Summary   string
	Held      int
}

func (s *Server) plan(w http.ResponseWriter, r *http.Request) {
	est := s.o.View.Snapshot().Estate()
	p := planPage{page: page{Title: "Plan", Nav: "plan", Version: est.Version, Live: "note", Now: s.o.Clock.Now(), Estate: est}}
	if s.o.Planner != nil {
		c := s.evaluate(r.Context())
		p.Available, p.At, p.Result = true, c.at, c.res
		if c.err != nil {
			p.Err = c.err.Error()
		}
		p.Groups = groups(c.res)
		p.Summary = actions.SummaryLine(c.res.Plan)
		p.Held = len(c.res.Holds)
	}
	s.render(w, http.StatusOK, "plan", p)
}

// evaluate returns the last evaluation when younger than PlanEvery, else
// makes one; concurrent requests wait for the same evaluation.
func (s *Server) evaluate(ctx context.Context) *planCache {
	s.planMu.Lock()
	defer s.planMu.Unlock()
	now := s.o.Clock.Now()
	if c := s.planLast; c != nil && now.Sub(c.at) < s.o.PlanEvery && now.Sub(c.at) >= 0 {
		return c
	}
	res, err := s.o.Planner(ctx)
	c := &planCache{at: now, res: res, err: err}
	if err == nil {
		s.planLast = c
	}
	return c
}

// groups orders the plan per target: the NS first, then servers by name.
func groups(res PlanResult) []planGroup {
	var out []planGroup
	idx := map[string]int{}
	for i, a := range res.Plan.Actions {
		title := string(a.Target.Server)
		if a.Target.IsNS() {
			title = "NS (Notification Server)"
		}
		g, ok := idx[title]
		if !ok {
			g = len(out)
			idx[title] = g
			out = append(out, planGroup{Title: title})
		}
		h, held := res.Holds[a.ID]
		out[g].Actions = append(out[g].Actions, planAction{Step: i + 1, Action: a, Held: held, Hold: h})
	}
	slices.SortStableFunc(out, func(a, b planGroup) int {
		na, nb := strings.HasPrefix(a.Title, "NS ("), strings.HasPrefix(b.Title, "NS (")
		switch {
		case na && !nb:
			return -1
		case nb && !na:
			return 1
		}
		return strings.Compare(a.Title, b.Title)
	})
	return out
}
