package guard

import (
	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
)

// admission is the state of one run of the gates over a plan: what each
// action became, and what the admitted ones reserve (budget per kind,
// servers touched).
type admission struct {
	holds   map[string]actions.Hold // held by a gate or a binding rule
	waits   map[string]string       // action → the held action it waits for
	used    map[actions.Kind]int
	servers map[vocab.Host]bool
}

func newAdmission(n int) *admission {
	return &admission{holds: make(map[string]actions.Hold, n/4), waits: map[string]string{},
		used: map[actions.Kind]int{}, servers: map[vocab.Host]bool{}}
}

func (st *admission) hold(id string, h actions.Hold) { st.holds[id] = h }
func (st *admission) wait(id, on string)             { st.waits[id] = on }

// admit reserves what a runs on: one of its kind's budget and its server.
func (st *admission) admit(a actions.Action) {
	st.used[a.Kind]++
	if !a.Target.IsNS() {
		st.servers[a.Target.Server] = true
	}
}

// admitted reports whether the action runs in this pass as far as the
// gates know (it is in the plan, and neither held nor waiting).
func (st *admission) admitted(id string) bool {
	_, h := st.holds[id]
	_, w := st.waits[id]
	return !h && !w
}

// blocker returns a held (or waiting) action that keeps every reason of a
// from being met, or "" when some reason needs none of them: a reason's
// requirements must all be applied in this pass for it to count.
func (st *admission) blocker(a actions.Action) string {
	first := ""
	for _, r := range a.Reasons {
		on := ""
		for _, id := range r.Requires {
			if !st.admitted(id) {
				on = id
				break
			}
		}
		if on == "" {
			return ""
		}
		if first == "" {
			first = on
		}
	}
	return first
}

// root is why an action will not run: its hold, or for one that waits,
// the hold at the end of its chain (no class when there is none).
func (st *admission) root(id string) actions.Hold {
	for range len(st.waits) + 1 {
		if h, ok := st.holds[id]; ok {
			return h
		}
		on, ok := st.waits[id]
		if !ok {
			break
		}
		id = on
	}
	return actions.Hold{}
}

// result is every action that will not run: the holds, and the waits as
// the executor records them.
func (st *admission) result() map[string]actions.Hold {
	out := make(map[string]actions.Hold, len(st.holds)+len(st.waits))
	for id, h := range st.holds {
		out[id] = h
	}
	for id, on := range st.waits {
		out[id] = actions.WaitHold(on)
	}
	return out
}
