package planner

import (
	"github.com/itms-tools/reconciler/actions"
	"slices"

	"github.com/itms-tools/reconciler/vocab"
)

// builder accumulates a plan: at most one action per id, reasons merged,
// ordering edges collected. It is the only place that creates actions.
type builder struct {
	byID  map[string]*actions.Action
	order []string
	notes []actions.Note
	// onServer lists, per server, the ids of its actions in creation order.
	onServer map[vocab.Host][]string
}

func newBuilder() *builder {
	return &builder{byID: map[string]*actions.Action{}, onServer: map[vocab.Host][]string{}}
}

// add returns the action with this kind, target and round, creating it if
// needed, and appends the reason (a reason with the same cause and message
// is merged: its requirements are unioned).
func (b *builder) add(k actions.Kind, t actions.Target, round int, r actions.Reason) *actions.Action {
	a := b.get(k, t, round, "", "")
	addReason(a, r)
	return a
}

// get returns the action, creating it without a reason if missing.
func (b *builder) get(k actions.Kind, t actions.Target, round int, mode vocab.Mode, account string) *actions.Action {
	id := actions.FormatID(k, t, round, mode)
	if a, ok := b.byID[id]; ok {
		return a
	}
	a := &actions.Action{ID: id, Kind: k, Target: t, Round: round, Mode: mode, Account: account}
	b.byID[id] = a
	b.order = append(b.order, id)
	if t.Server != "" {
		b.onServer[t.Server] = append(b.onServer[t.Server], id)
	}
	return a
}

// has reports whether an action id is in the plan.
func (b *builder) has(id string) bool { _, ok := b.byID[id]; return ok }

func (b *builder) note(t actions.Target, kind, msg string) {
	b.notes = append(b.notes, actions.Note{Target: t, Kind: kind, Message: msg})
}

func addReason(a *actions.Action, r actions.Reason) {
	for i := range a.Reasons {
		if a.Reasons[i].Cause == r.Cause && a.Reasons[i].Message == r.Message {
			a.Reasons[i].Requires = union(a.Reasons[i].Requires, r.Requires)
			return
		}
	}
	r.Requires = union(nil, r.Requires)
	a.Reasons = append(a.Reasons, r)
}

// after adds ordering edges.
func after(a *actions.Action, ids ...string) {
	a.After = union(a.After, ids)
}

// union returns the sorted set union of a and b without empty strings, in
// a new slice. Either may be in any order and hold repeats; most often a
// is a sorted set already and b a few ids, which a merge serves.
func union(a, b []string) []string {
	a, b = sortedCopy(a), sortedCopy(b)
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var s string
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			s, i = a[i], i+1
		case i == len(a) || b[j] < a[i]:
			s, j = b[j], j+1
		default:
			s, i, j = a[i], i+1, j+1
		}
		if s != "" && (len(out) == 0 || out[len(out)-1] != s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// sortedCopy returns ss when it is sorted, else a sorted copy.
func sortedCopy(ss []string) []string {
	if slices.IsSorted(ss) {
		return ss
	}
	c := slices.Clone(ss)
	slices.Sort(c)
	return c
}

// actions returns the actions with edges pointing only at actions present
// in the plan, reasons sorted, in insertion order.
func (b *builder) actions() []actions.Action {
	out := make([]actions.Action, 0, len(b.order))
	for _, id := range b.order {
		a := *b.byID[id]
		a.After = b.present(a.After)
		rs := make([]actions.Reason, len(a.Reasons))
		for i, r := range a.Reasons {
			r.Requires = b.present(r.Requires)
			rs[i] = r
		}
		slices.SortStableFunc(rs, func(x, y actions.Reason) int {
			if c := compareStrings(string(x.Cause), string(y.Cause)); c != 0 {
				return c
			}
			return compareStrings(x.Message, y.Message)
		})
		a.Reasons = rs
		out = append(out, a)
	}
	return out
}

// present keeps the ids of actions in the plan; ids itself when all are.
func (b *builder) present(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	for i, id := range ids {
		if b.has(id) {
			continue
		}
		out := slices.Clone(ids[:i])
		for _, id := range ids[i+1:] {
			if b.has(id) {
				out = append(out, id)
			}
		}
		return out
	}
	return ids
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
