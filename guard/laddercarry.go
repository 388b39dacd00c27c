package guard

import (
	"maps"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
)

// LadderCarry is the whole ladder as a journal segment carries it, so
// that retention removing the records that climbed or stalled a server
// does not put it back on rung 0.
type LadderCarry struct {
	Servers   map[vocab.Host]CarriedStep `json:"servers,omitempty"`
	PausedAll *Hold                      `json:"paused_all,omitempty"`
}

// CarriedStep is one server's ladder state in a LadderCarry.
type CarriedStep struct {
	Step    actions.LadderStep `json:"step"`
	Use     actions.LadderUse  `json:"use"`
	Applied time.Time          `json:"applied,omitzero"`
	Paused  *Hold              `json:"paused,omitempty"`
}

// Carry returns the ladder for a segment record; nil when it holds
// nothing.
func (l *Ladder) Carry() *LadderCarry {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.servers) == 0 && l.pausedAll.By == "" {
		return nil
	}
	c := &LadderCarry{Servers: map[vocab.Host]CarriedStep{}, PausedAll: holdPtr(l.pausedAll)}
	for h, s := range l.servers {
		st := s.step
		st.Attempts = maps.Clone(st.Attempts)
		c.Servers[h] = CarriedStep{Step: st, Use: s.use, Applied: s.applied, Paused: holdPtr(s.paused)}
	}
	return c
}

// Load replaces the ladder with what a segment record carried: the state
// the records before it folded to, which retention may have removed. A
// nil carry empties it.
func (l *Ladder) Load(c *LadderCarry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.servers, l.pausedAll = map[vocab.Host]*rungState{}, Hold{}
	if c == nil {
		return
	}
	l.pausedAll = holdOf(c.PausedAll)
	for h, s := range c.Servers {
		st := s.Step
		st.Attempts = maps.Clone(st.Attempts)
		l.servers[h] = &rungState{step: st, use: s.Use, applied: s.Applied, paused: holdOf(s.Paused)}
	}
}

// holdPtr is a pause for JSON: nil when there is none.
func holdPtr(h Hold) *Hold {
	if h.By == "" {
		return nil
	}
	return &h
}

func holdOf(h *Hold) Hold {
	if h == nil {
		return Hold{}
	}
	return *h
}
