package guard

import (
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
)

// Windows evaluates maintenance windows.
type Windows struct {
	ws []policy.Window
}

// NewWindows returns the evaluator of the policy's windows.
func NewWindows(ws []policy.Window) Windows { return Windows{ws: ws} }

// Active reports whether w is open at now: its latest start at or before
// now, in its time zone, is less than its duration ago. The starts are the
// schedule's as package schedule gives them: on the days the clocks
// change, a start the clocks skip opens the window at the end of the gap,
// and a start they repeat opens it once, so a window opens once a local
// day and stays open for its duration in real time.
func Active(w policy.Window, now time.Time) bool {
	loc := w.Location
	if loc == nil {
		loc = time.UTC
	}
	first := w.Cron.Next(now.Add(-w.Duration).In(loc))
	return !first.IsZero() && !first.After(now)
}

// Allowed reports whether kind k may run at now, and otherwise the rule
// that holds it. A deny window wins over any allow window; a kind named in
// any allow window runs only while one of those is open.
func (w Windows) Allowed(k actions.Kind, now time.Time) (bool, string) {
	var allows []string
	open := false
	for _, x := range w.ws {
		active := Active(x, now)
		if active && slices.Contains(x.Deny, k) {
			return false, "window " + x.Name + " denies " + string(k)
		}
		if slices.Contains(x.Allow, k) {
			allows = append(allows, x.Name)
			open = open || active
		}
	}
	if len(allows) > 0 && !open {
		return false, "outside allow window " + strings.Join(allows, ", ")
	}
	return true, ""
}
