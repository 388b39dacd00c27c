package actions

import (
	"slices"

	"github.com/itms-tools/reconciler/vocab"
)

// builder accumulates a plan: at most one action per id, reasons merged,
// ordering edges collected. It is the only place that creates actions.
type builder struct {
	byID  map[string]*Action
	order []string
	notes []Note
}

func newBuilder() *builder { return &builder{byID: map[string]*Action{}} }

// add returns the action with this kind, target and round, creating it if
// needed, and appends the reason (a reason with the same cause and message
// is merged: its requirements are unioned).
func (b *builder) add(k Kind, t Target, round int, r Reason) *Action {
	a := b.get(k, t, round, "", "")
	a.addReason(r)
	return a
}

// get returns the action, creating it without a reason if missing.
func (b *builder) get(k Kind, t Target, round int, mode vocab.Mode, account string) *Action {
	id := MakeID(k, t, round, mode)
	if a, ok := b.byID[id]; ok {
		return a
	}
	a := &Action{ID: id, Kind: k, Target: t, Round: round, Mode: mode, Account: account}
	b.byID[id] = a
	b.order = append(b.order, id)
	return a
}

// has reports whether an action id is in the plan.
func (b *builder) has(id string) bool { _, ok := b.byID[id]; return ok }

func (b *builder) note(t Target, kind, msg string) {
	b.notes = append(b.notes, Note{Target: t, Kind: kind, Message: msg})
}

func (a *Action) addReason(r Reason) {
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
func (a *Action) after(ids ...string) {
	a.After = union(a.After, ids)
}

// union returns the sorted set union of a and b without empty strings.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// actions returns the actions with edges pointing only at actions present
// in the plan, reasons sorted, in insertion order.
func (b *builder) actions() []Action {
	out := make([]Action, 0, len(b.order))
	for _, id := range b.order {
		a := *b.byID[id]
		a.After = b.present(a.After)
		rs := make([]Reason, len(a.Reasons))
		for i, r := range a.Reasons {
			r.Requires = b.present(r.Requires)
			rs[i] = r
		}
		slices.SortStableFunc(rs, func(x, y Reason) int {
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

func (b *builder) present(ids []string) []string {
	var out []string
	for _, id := range ids {
		if b.has(id) {
			out = append(out, id)
		}
	}
	return out
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
