package controller

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/policy"
)

// keptJournal is what the controller uses of a journal beyond Append when
// it offers it (*audit.Journal does): the check before acting, its
// health, and the checkpoint at the end of each pass.
type keptJournal interface {
	Check() error
	Health() audit.Health
	Checkpoint(audit.Checkpoint) error
	Close() error
}

var _ keptJournal = (*audit.Journal)(nil)

// journalUsable checks the journal before a pass acts: its lock and file
// are still this process's and its last write left it in a known state
// (audit.Journal.Check, which reopens it after a failed sync). A journal
// that is no longer this process's (audit.ErrIdentity) is closed and
// dropped, so that Attach opens it afresh, verified and compared with its
// anchor; without Attach the pass acts on nothing.
func (c *Controller) journalUsable() bool {
	kj, ok := c.journal.(keptJournal)
	if !ok {
		return true
	}
	err := kj.Check()
	c.noteJournal(kj.Health(), err)
	if err == nil {
		return true
	}
	c.log.Error("audit journal cannot be written: this pass acts on nothing and records nothing", "error", err)
	if !errors.Is(err, audit.ErrIdentity) || c.attach == nil {
		return false
	}
	c.log.Warn("audit journal is not the one this process opened: closing it to open it again")
	kj.Close()
	c.journal = nil
	return true
}

// attachJournal opens the journal through Attach when this controller
// leads without one.
func (c *Controller) attachJournal(ctx context.Context) bool {
	j, err := c.attach(ctx)
	if err != nil {
		c.log.Error("leader lock held but the journal cannot be opened; acting on nothing", "error", err)
		c.noteJournal(audit.Health{Error: err.Error(), Since: c.clock.Now(), Failures: 1}, err)
		c.releaseLock()
		return false
	}
	c.journal = j
	if kj, ok := j.(keptJournal); ok {
		c.mu.Lock()
		c.jfailures = 0
		c.mu.Unlock()
		c.noteJournal(kj.Health(), nil)
	}
	return true
}

// checkpoint ends the pass in the journal: rotation, retention and the
// anchor (audit.Journal.Checkpoint), carrying the gates' long-lived state
// and keeping every record a rolling window still counts.
func (c *Controller) checkpoint(p *policy.Policy, now time.Time) {
	kj, ok := c.journal.(keptJournal)
	if !ok {
		return
	}
	rot := RotationOf(p.Audit)
	cp := audit.Checkpoint{Carry: c.carried(), Needed: now.Add(-RetentionHorizon(p)), Rotation: &rot}
	err := kj.Checkpoint(cp)
	if err != nil {
		c.log.Error("audit checkpoint (rotation, retention, anchor)", "error", err)
	}
	c.noteJournal(kj.Health(), nil)
}

// JournalHealth is the condition of the journal this controller writes:
// OK when it writes none (a follower) or has not checked it yet.
func (c *Controller) JournalHealth() audit.Health {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.jhealth.Error == "" && (c.journal == nil || c.jhealth.Since.IsZero()) {
		return audit.Health{OK: true} // a follower, or a journal not checked yet
	}
	return c.jhealth
}

// noteJournal keeps the journal's health for JournalHealth and metrics.
func (c *Controller) noteJournal(h audit.Health, checkErr error) {
	c.mu.Lock()
	delta := h.Failures - c.jfailures
	if delta < 0 {
		delta = h.Failures
	}
	c.jfailures = h.Failures
	if checkErr != nil && h.OK {
		h.OK, h.Error = false, checkErr.Error()
	}
	c.jhealth = h
	c.mu.Unlock()
	c.metrics.journal(h.OK, delta)
}

// RotationOf is the journal's rotation and retention from the policy's
// audit block. A reloaded policy's takes effect at the next checkpoint.
func RotationOf(a policy.Audit) audit.Rotation {
	return audit.Rotation{Size: a.RotateSize, Age: a.RotateAge,
		RetainAge: time.Duration(a.RetainDays) * 24 * time.Hour, RetainSize: a.RetainSize}
}

// RetentionHorizon is how far back the journal's records still count: the
// longest limit window, the approval TTL and the pending grace. Retention
// never removes a segment holding a record younger than that.
func RetentionHorizon(p *policy.Policy) time.Duration {
	h := max(p.Reconcile.ApprovalTTL, p.Reconcile.PendingGrace)
	for _, l := range p.Limits {
		h = max(h, l.Per)
	}
	return h
}

// CarriedState is the state of the gates that outlives the records that
// set it: written into the first record of each new journal segment and
// replayed from there by Restore, so that retention can remove the
// segment that tripped the breaker, opened a reset cycle or refused a
// login without forgetting any of them. Budgets and approvals are not
// carried: retention keeps every record within RetentionHorizon. A new
// kind of lasting state belongs here.
type CarriedState struct {
	Breaker   *guard.BreakerState `json:"breaker,omitempty"` // set when tripped
	CycleOpen bool                `json:"cycle_open,omitempty"`
	// Refused are the logins refused and not lifted since (see logins): a
	// refusal holds until its secret changes or the policy is reloaded,
	// however old its auth_failed record. Replayed by logins.replayRecord.
	Refused []RefusedLogin `json:"refused,omitempty"`
	// Observation is the last observation record's detail, so that the
	// last known state outlives the segment that recorded it.
	Observation json.RawMessage `json:"observation,omitempty"`
	// Ladder is every server's place on the escalation ladder, so that
	// retention removing a verification does not put a stalled server
	// back on rung 0. A segment without it (older journals) leaves the
	// ladder folded so far.
	Ladder *guard.LadderCarry `json:"ladder,omitempty"`
	// LadderEmpty marks a ladder that held nothing when the segment began.
	LadderEmpty bool `json:"ladder_empty,omitempty"`
}

func (c *Controller) carried() json.RawMessage {
	var s CarriedState
	if b := c.breaker.State(); b.Open {
		s.Breaker = &b
	}
	c.mu.Lock()
	s.CycleOpen = c.cycleOpen
	s.Observation = c.lastOKRaw
	c.mu.Unlock()
	s.Refused = c.logins.carried()
	s.Ladder = c.ladderState().Carry()
	s.LadderEmpty = s.Ladder == nil
	return audit.JSON(s)
}

// replayCarried sets the gates to the state a segment record carries.
func (c *Controller) replayCarried(r audit.Record) {
	var d audit.SegmentDetail
	if json.Unmarshal(r.Detail, &d) != nil || len(d.Carry) == 0 {
		return
	}
	var s CarriedState
	if json.Unmarshal(d.Carry, &s) != nil {
		return
	}
	c.breaker.Replay(r) // the carried breaker
	c.cycleOpen = s.CycleOpen
	if s.Ladder != nil || s.LadderEmpty {
		c.ladderState().Load(s.Ladder)
	}
	if len(s.Observation) > 0 {
		c.replayObservation(r, s.Observation)
	}
}

// journalMetrics are the journal's metrics.
type journalMetrics struct {
	healthy prometheus.Gauge
	errors  prometheus.Counter
}

func newJournalMetrics(reg *prometheus.Registry) journalMetrics {
	m := journalMetrics{
		healthy: gauge("reconciler_journal_healthy", "1 when the audit journal can be written (or none is held); 0 after a failed write, sync or identity check until it recovers."),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "reconciler_journal_errors_total",
			Help: "Failed writes, syncs, identity checks and reopens of the audit journal."}),
	}
	m.healthy.Set(1)
	reg.MustRegister(m.healthy, m.errors)
	return m
}

func (m *Metrics) journal(ok bool, failures int64) {
	if m == nil {
		return
	}
	m.jm.healthy.Set(boolFloat(ok))
	if failures > 0 {
		m.jm.errors.Add(float64(failures))
	}
}
