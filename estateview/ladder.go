package estateview

import (
	"strconv"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/guard"
)

// LadderSource is what the view reads of the escalation ladder, when its
// Source has one (*controller.Controller does).
type LadderSource interface {
	Ladder() *guard.Ladder
}

// ReasonNotStalled is the reason of a False Stalled condition.
const ReasonNotStalled = "NotStalled"

// ladderOf is the ladder's state keyed by server Key.
type ladderOf struct {
	steps map[string]actions.LadderStep
	holds map[string]guard.Hold
	all   *guard.Hold // the pause of every server
}

func readLadder(l *guard.Ladder) ladderOf {
	out := ladderOf{steps: map[string]actions.LadderStep{}, holds: map[string]guard.Hold{}}
	for h, st := range l.Steps() {
		out.steps[Key(string(h))] = st
	}
	for h, p := range l.Holds() {
		if h == "" {
			out.all = &p
			continue
		}
		out.holds[Key(string(h))] = p
	}
	return out
}

// ladder sets each in-scope server's rung, Stalled condition and pause
// from the ladder after a pass, and returns the condition transitions.
func (m *model) ladder(src Source, pass string, at time.Time) []change {
	ls, ok := src.(LadderSource)
	if !ok || ls.Ladder() == nil {
		return nil
	}
	lo := readLadder(ls.Ladder())
	var changes []change
	for k, st := range m.servers {
		if st.row.Name == "" || !st.row.InScope {
			continue
		}
		step := lo.steps[k]
		rung := step.Rung
		c := Condition{Type: Stalled, Status: "False", Reason: ReasonNotStalled}
		if step.Stalled != "" {
			rung = actions.RungStalled
			c = Condition{Type: Stalled, Status: "True", Reason: guard.StallReason(step.Stalled), Message: step.Stalled}
		} else if rung > actions.RungEvidence {
			c.Message = "on rung " + strconv.Itoa(int(rung)) + " (" + rung.String() + ")"
		}
		if ch, ok := m.setCondition(st, c, pass, at); ok {
			changes = append(changes, ch)
		}
		if r := strconv.Itoa(int(rung)); r != st.row.Rung {
			st.row.Rung, st.dirty = r, true
		}
		if p := pauseText(lo, k); p != st.row.Paused {
			st.row.Paused, st.dirty = p, true
		}
	}
	return changes
}

// pauseText says who paused server k (or every server), since when and
// why; "" when it is not paused.
func pauseText(lo ladderOf, k string) string {
	p, ok := lo.holds[k]
	scope := ""
	if !ok && lo.all != nil {
		p, ok, scope = *lo.all, true, " (every server)"
	}
	if !ok {
		return ""
	}
	return "paused " + p.String() + scope
}
