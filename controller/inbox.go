package controller

import (
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/inbox"
	"github.com/itms-tools/reconciler/policy"
)

// Ingest records the operators' requests waiting in the inbox of the
// journal at path and applies them (package inbox says which are taken
// and which refused).
func (c *Controller) Ingest(journal string) error {
	if c.ingester == nil {
		c.ingester = inbox.NewIngester(inboxJournal{c}, c.log)
	}
	return c.ingester.Ingest(journal)
}

// inboxJournal is the controller as package inbox sees it: a journal
// whose records the controller replays into its gates and ladder.
type inboxJournal struct{ c *Controller }

// Append appends r to the attached journal and returns it as stored.
func (j inboxJournal) Append(r audit.Record) (audit.Record, error) {
	rec, err := j.c.journal.Append(r)
	j.c.noteAppend(err)
	if err == nil && rec.Type == "" { // a journal that does not hand the record back
		rec = r
		rec.Time = j.c.clock.Now()
	}
	return rec, err
}

// Replay applies a request's stored record to the gates and the ladder.
func (j inboxJournal) Replay(r audit.Record) {
	j.c.replay(r, j.c.clock.Now())
	j.c.foldLadder(r)
	j.c.notifyRequest(r)
}

// JournalLadder is the escalation ladder as the journal at path leaves
// it (for the operators' commands: is a server stalled, paused). A journal
// that does not exist yet gives an empty ladder.
func JournalLadder(p *policy.Policy, clk clock.Clock, path string) (*guard.Ladder, error) {
	c, err := New(Options{Policy: p, Clock: clk})
	if err != nil {
		return nil, err
	}
	if err := c.Restore(path); err != nil {
		return nil, err
	}
	return c.Ladder(), nil
}
