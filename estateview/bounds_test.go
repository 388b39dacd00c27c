package estateview

import (
	"fmt"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/policy"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// TestHistoryIsBounded: the journal may hold any number of passes, actions
// and transitions; the view keeps the last MaxPasses passes and the last
// MaxActions actions and MaxTransitions transitions per server.
func TestHistoryIsBounded(t *testing.T) {
	m := newModel()
	seq := int64(0)
	rec := func(r audit.Record) {
		seq++
		r.Seq, r.Time = seq, t0.Add(time.Duration(seq)*time.Second)
		m.fold(r)
	}
	for i := range 250 {
		pass := fmt.Sprintf("p%03d", i)
		rec(audit.Record{Type: audit.TypePassStart, Pass: pass})
		rec(audit.Record{Type: audit.TypeIntent, Pass: pass, Action: "resend_status:PS001", Kind: "resend_status", Server: "PS001"})
		rec(audit.Record{Type: audit.TypeOutcome, Pass: pass, Action: "resend_status:PS001", Kind: "resend_status", Server: "PS001", Outcome: audit.Applied})
		status := []string{"True", "False"}[i%2]
		note := conditionsNote{Event: NoteEvent, Pass: pass, Changes: []change{{Server: "PS001", Type: "PackagesReady", To: status}}}
		rec(audit.Record{Type: audit.TypeNote, Detail: audit.JSON(note)})
		rec(audit.Record{Type: audit.TypePassEnd, Pass: pass, Detail: audit.JSON(map[string]int{"actions": 1, "applied": 1})})
	}
	if n := len(m.passes); n != MaxPasses {
		t.Errorf("%d passes kept, want %d", n, MaxPasses)
	}
	if m.passes[0].ID != "p150" || m.passes[len(m.passes)-1].Applied != 1 {
		t.Errorf("passes kept from %s (%+v)", m.passes[0].ID, *m.passes[len(m.passes)-1])
	}
	st := m.servers["ps001"]
	if n := len(st.hist.Actions); n != MaxActions {
		t.Errorf("%d actions kept, want %d", n, MaxActions)
	}
	if a := st.hist.Actions[len(st.hist.Actions)-1]; a.Pass != "p249" || a.Outcome != "applied" {
		t.Errorf("last action %+v", a)
	}
	if n := len(st.hist.Transitions); n != MaxTransitions {
		t.Errorf("%d transitions kept, want %d", n, MaxTransitions)
	}
	if got := st.row.Condition("PackagesReady").Status; got != "False" {
		t.Errorf("PackagesReady %q after the last note, want False", got)
	}
	// A record folded twice (Rebuild after the journal started forwarding) counts once.
	m.fold(audit.Record{Seq: 3, Type: audit.TypeOutcome, Pass: "p249", Action: "resend_status:PS001", Kind: "resend_status", Server: "PS001", Outcome: audit.Failed})
	if p := m.findPass("p249"); p.Failed != 0 {
		t.Errorf("an old record was folded again: %+v", *p)
	}
}

// TestHostileNoteServersAreDropped: a conditions note naming a server
// that is not a host name changes nothing.
func TestHostileNoteServersAreDropped(t *testing.T) {
	m := newModel()
	note := conditionsNote{Event: NoteEvent, Changes: []change{
		{Server: `..\..\x`, Type: "Reachable", To: "True"}, {Server: "<script>", Type: "Reachable", To: "True"}}}
	m.fold(audit.Record{Seq: 1, Type: audit.TypeNote, Detail: audit.JSON(note)})
	if len(m.servers) != 0 {
		t.Errorf("servers %v from hostile names", m.servers)
	}
}

func TestWindowState(t *testing.T) {
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	win := func(spec string, d time.Duration) policy.Window {
		s, err := parser.Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		return policy.Window{Name: "w", Schedule: spec, Cron: s, Duration: d, Location: time.UTC}
	}
	at := func(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, time.UTC) } // a Monday
	tests := []struct {
		name string
		w    policy.Window
		now  time.Time
		open bool
		next time.Time
	}{
		{"closed: next start", win("0 22 * * *", 4*time.Hour), at(12, 0), false, at(22, 0)},
		{"open: closes at start+duration", win("0 22 * * *", 4*time.Hour), at(23, 30), true, at(26, 0)},
		{"open at its start", win("0 22 * * *", 4*time.Hour), at(22, 0), true, at(26, 0)},
		{"closed at its end", win("0 22 * * *", 2*time.Hour), at(24, 0), false, at(46, 0)},
		{"overlapping starts extend it", win("0 * * * *", 90*time.Minute), at(12, 10), true, time.Time{}},
		{"back-to-back starts extend it", win("0 */2 * * *", 2*time.Hour), at(12, 10), true, time.Time{}},
		{"weekdays only", win("0 8 * * 1-5", 10*time.Hour), at(19, 0), false, at(24+8, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open, next := WindowState(tt.w, tt.now)
			if open != tt.open || !next.Equal(tt.next) {
				t.Errorf("WindowState at %s: open %v next %s, want %v %s", tt.now.Format(time.RFC3339), open, next, tt.open, tt.next)
			}
		})
	}
}
