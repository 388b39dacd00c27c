package guard

import (
	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
)

// Cycle is the credential reset cycle of a plan (KB 179719 Procedure 1,
// steps 1-5): round 1 sets the NS to anonymous, each stuck server takes
// it (update_configuration #1), round 2 sets the policy's credential back,
// each stuck server takes that (update_configuration #2). Round 1 is
// absent when the NS is already on anonymous.
//
// Cycle owns the cycle's admission, one decision for all its steps:
//   - the cycle starts only when round 1 (if any), round 2 and both
//     updates of at least one stuck server would each be admitted by every
//     gate in this pass; otherwise every step waits, with the rule of the
//     step that would be held;
//   - a stuck server whose two updates are not both admitted (blast
//     radius, a window or a limit on update_configuration, approval) is
//     left for a later cycle; the cycle serves the others. Waiting for the
//     whole set instead would never start when there are more stuck
//     servers than max_servers_per_pass;
//   - one approval covers both rounds: the key is the id of the cycle's
//     first set_credential_mode (round 1's, or round 2's when the NS is
//     already anonymous);
//   - an open cycle (round 1 applied in an earlier pass, the NS still on
//     anonymous) is finished: its restore is admitted whatever else waits.
type Cycle struct {
	Round1 *actions.Action // nil when the NS is already anonymous
	Round2 *actions.Action
	// Servers are the stuck servers the cycle plans for, in plan order,
	// with their two updates.
	Servers []vocab.Host
	First   map[vocab.Host]*actions.Action
	Second  map[vocab.Host]*actions.Action
}

// FindCycle returns the reset cycle of a plan, or nil when it has none.
func FindCycle(p actions.Plan) *Cycle {
	c := &Cycle{First: map[vocab.Host]*actions.Action{}, Second: map[vocab.Host]*actions.Action{}}
	for i := range p.Actions {
		a := &p.Actions[i]
		switch {
		case a.Round == 0:
		case a.Kind == actions.SetCredentialMode && a.Round == 1:
			c.Round1 = a
		case a.Kind == actions.SetCredentialMode:
			c.Round2 = a
		case a.Kind == actions.UpdateConfiguration && a.Round == 1:
			c.Servers = append(c.Servers, a.Target.Server)
			c.First[a.Target.Server] = a
		case a.Kind == actions.UpdateConfiguration:
			c.Second[a.Target.Server] = a
		}
	}
	if c.Round2 == nil {
		return nil
	}
	return c
}

// Key is the approval key of the whole cycle.
func (c *Cycle) Key() string {
	if c.Round1 != nil {
		return c.Round1.ID
	}
	return c.Round2.ID
}

// approvalKey is the id under which a's approval is recorded.
func (c *Cycle) approvalKey(a actions.Action) string {
	if c != nil && a.Kind == actions.SetCredentialMode && a.Round > 0 {
		return c.Key()
	}
	return a.ID
}

// restores reports whether the cycle's round 2 gives the NS the policy's
// credential back (always, for the planner's cycles).
func (c *Cycle) restores(want vocab.Credential) bool {
	return c != nil && Restores(*c.Round2, want)
}

// members lists every step of the cycle, rounds first.
func (c *Cycle) members() []*actions.Action {
	var out []*actions.Action
	if c.Round1 != nil {
		out = append(out, c.Round1)
	}
	out = append(out, c.Round2)
	for _, s := range c.Servers {
		out = append(out, c.First[s])
		if u := c.Second[s]; u != nil {
			out = append(out, u)
		}
	}
	return out
}

// served lists the stuck servers whose two updates are both admitted.
func (c *Cycle) served(st *admission) []vocab.Host {
	var out []vocab.Host
	for _, s := range c.Servers {
		u2 := c.Second[s]
		if st.admitted(c.First[s].ID) && (u2 == nil || st.admitted(u2.ID)) {
			out = append(out, s)
		}
	}
	return out
}

// decide returns what the cycle's admission holds beyond what the gates
// held, given one run of the gates. open is set when the cycle is already
// open: its round 2 then runs whatever else waits.
func (c *Cycle) decide(st *admission, open bool) map[string]actions.Hold {
	if c == nil || len(c.Servers) == 0 {
		return nil
	}
	out := map[string]actions.Hold{}
	force := func(a *actions.Action, h actions.Hold) {
		if st.admitted(a.ID) && !(open && a == c.Round2) {
			out[a.ID] = h
		}
	}
	served := c.served(st)
	if culprit := c.culprit(st, len(served) > 0); culprit != nil {
		h := st.root(culprit.ID).BoundTo(actions.BindCycle, culprit.ID)
		for _, a := range c.members() {
			force(a, h)
		}
		return out
	}
	for _, s := range c.Servers {
		for _, u := range []*actions.Action{c.First[s], c.Second[s]} {
			if u != nil && !st.admitted(u.ID) {
				h := st.root(u.ID).BoundTo(actions.BindCycle, u.ID)
				force(c.First[s], h)
				if c.Second[s] != nil {
					force(c.Second[s], h)
				}
				break
			}
		}
	}
	return out
}

// culprit returns the step that keeps the cycle from starting, or nil
// when it starts: round 1, then round 2, then (when no stuck server is
// served) the first stuck server's update that would be held.
func (c *Cycle) culprit(st *admission, anyServed bool) *actions.Action {
	for _, a := range []*actions.Action{c.Round1, c.Round2} {
		if a != nil && !st.admitted(a.ID) {
			return a
		}
	}
	if anyServed {
		return nil
	}
	for _, s := range c.Servers {
		if !st.admitted(c.First[s].ID) {
			return c.First[s]
		}
		if u := c.Second[s]; u != nil && !st.admitted(u.ID) {
			return u
		}
	}
	return nil
}
