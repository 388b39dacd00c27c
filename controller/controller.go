package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/actions/apply"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/inbox"
	"github.com/itms-tools/reconciler/leader"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

// Site is what the controller needs of a site driver.
type Site struct {
	CMDB   observed.CMDB
	NS     observed.NSSource
	Agents observed.AgentSource
	Driver apply.Driver
	// Lock makes this controller the leader; nil means always leader.
	Lock leader.Lock
	// Logins, when set, returns the credentials each part logs in with
	// now (re-reading their sources where the driver does); nil for a site
	// without logins. A part it does not name is gated by the login its
	// first refused logon names (see logins).
	Logins func() map[Part]failure.Login
}

// Journal is the audit trail the controller writes.
type Journal interface {
	Append(audit.Record) (audit.Record, error)
}

// Options configure a Controller.
type Options struct {
	Policy  *policy.Policy
	Site    Site
	Journal Journal
	Clock   clock.Clock
	Logger  *slog.Logger
	Metrics *Metrics // nil: no metrics
	// Attach opens the journal when this controller becomes leader without
	// one (a follower daemon taking over); it should also Restore.
	Attach func(context.Context) (Journal, error)
	// JournalPath, when set, is where the journal lives: each leader pass
	// first records the requests waiting in its inbox (see Submit).
	JournalPath string
	// PassAtStart makes Run begin with a pass, before the first schedule
	// time (the daemon); the simulator leaves it off.
	PassAtStart bool
	// ReadAfterApply makes a pass that applied actions read the CMDB
	// again at its end, so that the health view, the journal's
	// observation and the metrics show the site after the actions, not
	// before them (the daemon); the simulator leaves it off.
	ReadAfterApply bool
	// FleetEvery, when set, reads the CMDB's server list that often for
	// the health view and metrics (every in-scope server counted, not only
	// those a pass saw); 0 reads it only when the planner does.
	FleetEvery time.Duration
	// Notify, when set, takes the events a person should hear of (see
	// notify.go); it must not block (notify.Notifier.Notify does not).
	Notify func(notify.Event)
	// AfterPass, when set, is called at the end of every pass, after its
	// pass_end record, with the pass lock still held (no other pass or
	// reload runs meanwhile). It is how the console's view of the estate
	// learns of a pass; it must not call ReconcileOnce, PlanOnly or Reload.
	AfterPass func(PassResult)
}

// Controller runs passes. Its methods are safe for concurrent use, but
// passes never overlap: ReconcileOnce holds the pass lock.
type Controller struct {
	site    Site
	journal Journal
	clock   clock.Clock
	log     *slog.Logger
	metrics *Metrics
	attach  func(context.Context) (Journal, error)
	jpath   string
	// passAtStart: Run begins with a pass (Options.PassAtStart).
	passAtStart bool
	fleetEvery  time.Duration
	readAfter   bool
	after       func(PassResult)

	ingester     *inbox.Ingester // the operators' inbox (inbox.go), made at first use
	notifyFn     func(notify.Event)
	journalFault atomic.Pointer[string] // the last append's error, nil when it succeeded

	passMu sync.Mutex // one pass at a time

	mu         sync.Mutex // guards the fields below
	policy     *policy.Policy
	limiter    *guard.Limiter
	breaker    *guard.Breaker
	approvals  *guard.Approvals
	ages       *observed.Ages
	retry      *retries
	logins     *logins
	verify     map[vocab.Host]time.Time
	ladder     *guard.Ladder                    // the escalation ladder (ladder.go)
	passLadder map[vocab.Host]actions.LadderUse // the executing plan's rungs, for its intents
	actedLast  bool
	cycleOpen  bool              // a reset cycle of ours left the NS on anonymous
	sweep      sweeper           // full sweeps, and the NS credential per policy version
	holds      map[string]string // action id → rule of its last recorded hold
	repeated   int               // holds not recorded again in this pass
	passes     int
	lastObsOK  bool
	report     *health.Report
	leader     bool
	fleetAt    time.Time       // when the server list for the health view was last read
	last       LastKnown       // the last observation recorded or replayed
	lastObsKey string          // the last observation record's digest (observationKey), to record only changes
	lastOKRaw  json.RawMessage // the last one that read the site (carried into new segments)
	roleKnown  bool            // leader has been decided once (checkLeader logs the first role)
	jhealth    audit.Health    // the journal's condition at the last check
	jfailures  int64           // the journal's failure count at the last check

	cmdbDownSince time.Time // first pass of the current CMDB outage
}

// New returns a controller with fresh budgets; call Restore to rebuild
// them from the journal before the first pass.
func New(o Options) (*Controller, error) {
	if o.Policy == nil || o.Clock == nil {
		return nil, fmt.Errorf("controller: policy and clock are required")
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := o.Policy
	c := &Controller{
		site: o.Site, journal: o.Journal, clock: o.Clock, log: log, metrics: o.Metrics, attach: o.Attach, jpath: o.JournalPath, after: o.AfterPass,
		passAtStart: o.PassAtStart, fleetEvery: o.FleetEvery, readAfter: o.ReadAfterApply,
		notifyFn:  o.Notify,
		policy:    p,
		limiter:   guard.NewLimiter(p.Limits),
		breaker:   guard.NewBreaker(p.Reconcile.BreakerHealthyFor),
		approvals: guard.NewApprovals(p.Reconcile.ApprovalTTL),
		ages:      &observed.Ages{},
		retry:     newRetries(p.Reconcile.BackoffBase, p.Reconcile.BackoffCap),
		verify:    map[vocab.Host]time.Time{},
		holds:     map[string]string{},
		sweep:     newSweeper(),
		ladder:    guard.NewLadder(p.Reconcile.VerifyAfter, p.Reconcile.BackoffBase, p.Reconcile.BackoffCap),
	}
	c.logins = newLogins(log, c.loginsNow)
	return c, nil
}

// Policy returns the policy in force.
func (c *Controller) Policy() *policy.Policy {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.policy
}

// Limiter, Breaker and Approvals expose the gates' state (for status,
// metrics and tests).
func (c *Controller) Limiter() *guard.Limiter     { return c.limiter }
func (c *Controller) Breaker() *guard.Breaker     { return c.breaker }
func (c *Controller) Approvals() *guard.Approvals { return c.approvals }

// desired returns the desired state of a policy.
func desiredOf(p *policy.Policy) desired.State {
	return desired.New(p.Credential, p.Scope, p.Reconcile.PendingGrace)
}

// observer builds the observer for a policy.
func (c *Controller) observer(p *policy.Policy) *observed.Observer {
	s := c.gated()
	return &observed.Observer{CMDB: s.CMDB, NS: s.NS, Agents: s.Agents,
		Concurrency: p.Reconcile.Concurrency, CallTimeout: p.Reconcile.CallTimeout,
		Ages: c.ages, Logger: c.log}
}

// Ready reports whether the first observation succeeded (for /readyz).
func (c *Controller) Ready() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastObsOK
}

// Report returns the last health report, nil before the first pass.
func (c *Controller) Report() *health.Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.report
}

// IsLeader reports whether the last pass held the leader lock.
func (c *Controller) IsLeader() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leader
}
