package estateview

import (
	"maps"
	"slices"
	"time"
)

// publish copies what changed into memdb in one write transaction: the
// dirty servers and histories, the passes, the estate row (always, so
// that a watch on it fires once per commit). The caller holds v.mu.
func (v *View) publish(now time.Time) {
	m := v.m
	m.version++
	txn := v.db.Txn(true)
	defer txn.Abort()
	for _, st := range m.servers {
		if st.dirty {
			st.dirty = false
			row := st.row
			row.Conditions = slices.Clone(row.Conditions)
			row.Counts = maps.Clone(row.Counts)
			row.Next = slices.Clone(row.Next)
			if st.pub == nil || visiblyChanged(st.pub, &row) {
				row.Version = m.version
			} else {
				row.Version = st.pub.Version
			}
			st.row.Version, st.pub = row.Version, &row
			must(txn.Insert(tableServer, &row))
		}
		if st.histDirty {
			st.histDirty = false
			h := History{Key: st.hist.Key, Transitions: slices.Clone(st.hist.Transitions), Actions: slices.Clone(st.hist.Actions)}
			must(txn.Insert(tableHistory, &h))
		}
	}
	for _, id := range m.evicted {
		if raw, err := txn.First(tablePass, "id", id); err == nil && raw != nil {
			must(txn.Delete(tablePass, raw))
		}
	}
	m.evicted = nil
	for id := range m.dirtyPass {
		if p := m.findPass(id); p != nil {
			cp := *p
			must(txn.Insert(tablePass, &cp))
		}
	}
	clear(m.dirtyPass)
	m.est.Version, m.est.At = m.version, now
	m.est.Totals = m.totals()
	est := m.est
	est.NSActions = slices.Clone(est.NSActions)
	est.BreakerEvents = slices.Clone(est.BreakerEvents)
	must(txn.Insert(tableEstate, &est))
	txn.Commit()
}

// visiblyChanged reports whether b differs from a in what the overview
// shows (and so what the event stream sends): conditions, pair counts,
// rung, scope, and the last plan's actions and their outcomes. A pass that
// only saw a server again does not change its version.
func visiblyChanged(a, b *Server) bool {
	if a.InScope != b.InScope || a.Rung != b.Rung || a.Paused != b.Paused || a.NotReady != b.NotReady || a.InGrace != b.InGrace ||
		a.Name != b.Name || !sameConditions(a.Conditions, b.Conditions) || len(a.Next) != len(b.Next) {
		return true
	}
	for i := range a.Next {
		if a.Next[i].ID != b.Next[i].ID || a.Next[i].Outcome != b.Next[i].Outcome || a.Next[i].Rule != b.Next[i].Rule {
			return true
		}
	}
	return false
}

// sameConditions compares conditions without when they were observed.
func sameConditions(a, b []Condition) bool {
	return slices.EqualFunc(a, b, func(x, y Condition) bool {
		x.Observed, y.Observed = time.Time{}, time.Time{}
		return x == y
	})
}

// totals counts the servers in scope.
func (m *model) totals() Totals {
	t := Totals{NotGood: map[string]int{}}
	for _, st := range m.servers {
		s := &st.row
		if !s.InScope || s.Name == "" {
			continue
		}
		t.Servers++
		if s.Healthy() {
			t.Healthy++
		}
		t.NotReady += s.NotReady
		for _, c := range s.Conditions {
			if c.Status != "" && !c.Good() {
				t.NotGood[c.Type]++
			}
		}
		if s.Condition(Stalled).Status == "True" {
			t.Stalled++
		}
	}
	return t
}

// must panics on a memdb error: with a fixed schema and well-formed rows
// one is a bug (commit recovers it into a log line).
func must(err error) {
	if err != nil {
		panic(err)
	}
}
