package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/actions/apply"
	"github.com/itms-tools/reconciler/actions/planner"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

// PassResult is what one pass saw and did.
type PassResult struct {
	ID    string
	Start time.Time
	End   time.Time
	Obs   *observed.Observation
	Plan  actions.Plan
	// Holds is the gates' decision on the plan (apply.Gates.Admit): the
	// actions that will not run in this pass, and why.
	Holds map[string]actions.Hold
	// Swept is set when the pass observed every package server in scope.
	Swept  bool
	Exec   apply.Result
	Leader bool // the pass held the leader lock and could act
	Err    error
}

// Applied counts the actions applied in the pass.
func (r PassResult) Applied() int {
	n := 0
	for _, s := range r.Exec.Steps {
		if s.Outcome == actions.Applied {
			n++
		}
	}
	return n
}

// testHookAfterObserve lets tests inject a fault into a pass.
var testHookAfterObserve func()

// errPassTimeout is the cause of a pass cut by reconcile.pass_timeout.
var errPassTimeout = errors.New("pass timeout reached")

// ReconcileOnce runs one pass: observe, plan, apply (when leader), record.
// It never panics (a panic becomes the returned error) and ends within the
// policy's pass timeout plus one driver call timeout.
func (c *Controller) ReconcileOnce(ctx context.Context) (res PassResult, err error) {
	c.passMu.Lock()
	defer c.passMu.Unlock()
	p := c.Policy()
	res.Start = c.clock.Now()
	res.ID = c.nextPassID(res.Start)
	ctx, cancel := context.WithTimeoutCause(ctx, p.Reconcile.PassTimeout, errPassTimeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("pass %s panicked: %v", res.ID, v)
			c.log.Error("pass panicked", "pass", res.ID, "panic", v, "stack", string(debug.Stack()))
		}
		res.End, res.Err = c.clock.Now(), err
		c.endPass(res)
		if c.after != nil {
			c.after(res)
		}
	}()
	c.served(res.Start)
	c.logins.refresh(c.site.Logins)
	res.Leader = c.checkLeader(ctx)
	if err := c.startPass(res); err != nil {
		return res, err
	}
	c.recordLogins() // refused before this pass: as a follower, or taking the lock
	defer c.recordLogins()
	if res.Leader && c.jpath != "" {
		if err := c.Ingest(c.jpath); err != nil {
			c.log.Error("inbox", "error", err)
		}
	}
	in, swept := c.observe(ctx, p, res.Start)
	c.recordLogins()
	res.Obs, res.Swept = in.Obs, swept
	c.afterObserve(ctx, p, in, swept, res.Start)
	if res.Leader {
		c.verifyDue(in, res.Start)
	}
	if testHookAfterObserve != nil {
		testHookAfterObserve()
	}
	ev := c.evaluate(p, in, res.Start)
	res.Plan, res.Holds = ev.Plan, ev.Holds
	if !res.Leader || res.Plan.Empty() {
		return res, nil
	}
	c.mu.Lock()
	c.passLadder = res.Plan.Ladder
	c.mu.Unlock()
	res.Exec, err = c.executor(p).RunAdmitted(ctx, res.ID, res.Plan, res.Holds)
	c.afterExec(p, res)
	c.readAfterApply(ctx, p, res)
	return res, err
}

// Evaluation is what a pass decides from one observation before it acts:
// the plan and the gates' decision on it, with the gates in the state the
// controller keeps (budgets, approvals, breaker, an open reset cycle, all
// rebuilt from the journal at start). A pass applies it; `reconciler plan`
// shows it.
type Evaluation struct {
	Plan  actions.Plan
	Holds map[string]actions.Hold
}

// evaluate plans from the observation and admits the plan at now.
func (c *Controller) evaluate(p *policy.Policy, in planner.Input, now time.Time) Evaluation {
	c.mu.Lock()
	in.History = c.sweep.plannerHistory(in.Obs)
	g := guardGates(p, c)
	c.mu.Unlock()
	// A cycle is open only while the NS is seen on anonymous: a round 1
	// that failed, or an NS changed by hand since, opens nothing that a
	// restore could pass the gates for.
	g.CycleOpen = g.CycleOpen && nsHolds(in.Obs, vocab.Credential{Mode: vocab.Anonymous})
	c.ladderInput(&in, p.Reconcile.MaxAttempts)
	plan := planner.Compute(in)
	return Evaluation{Plan: plan, Holds: g.Admit(plan, now)}
}

// nsHolds reports whether the observation read the NS holding cred.
func nsHolds(obs *observed.Observation, cred vocab.Credential) bool {
	return obs.CMDBErr == nil && obs.NSErr == nil && !obs.NSUnmanaged && obs.NS.Credential.Equal(cred)
}

// served forgets verification requeues that this pass serves.
func (c *Controller) served(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, at := range c.verify {
		if !at.After(now) {
			delete(c.verify, h)
		}
	}
}

func (c *Controller) nextPassID(now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.passes++
	return fmt.Sprintf("%s-%d", now.UTC().Format("20060102T150405.000Z"), c.passes)
}

// observe reads the site: the CMDB and the NS setting, the server list when
// the planner needs every server or a sweep is due, then the agents and NS
// snapshots the planner needs (every listed server in scope, with no
// packages, besides those in question). swept reports that the server
// list was read.
func (c *Controller) observe(ctx context.Context, p *policy.Policy, now time.Time) (in planner.Input, swept bool) {
	o := c.observer(p)
	obs := o.ReadSite(ctx, now, false)
	d := desiredOf(p)
	c.mu.Lock()
	held := c.retry.held(now)
	sweep, also := c.sweep.plan(now, p.Reconcile.SweepEvery)
	c.mu.Unlock()
	o.Fulfil(ctx, obs, planner.ListRequest(d, obs, sweep))
	held = c.pausedHeld(held, obs, also) // after the server list: its spelling
	in = planner.Input{Desired: d, Obs: obs, Now: now, Held: held, Also: also}
	o.Fulfil(ctx, obs, planner.Request(in))
	return in, obs.CMDBErr == nil && obs.ServersListed
}

// afterObserve updates readiness, the health report, the sweep state and
// the breaker.
func (c *Controller) afterObserve(ctx context.Context, p *policy.Policy, in planner.Input, swept bool, now time.Time) {
	obs := in.Obs
	c.mu.Lock()
	prev := c.report
	acted := c.actedLast
	c.mu.Unlock()
	rep := c.fleet(ctx, p, obs, health.Evaluate(desiredOf(p), obs, prev, now), prev, now)
	rep.Credentials = c.logins.health()
	ok := obs.CMDBErr == nil && obs.NSErr == nil
	c.mu.Lock()
	c.report = &rep
	if ok {
		c.lastObsOK = true
	}
	if nsHolds(obs, p.Credential) {
		c.cycleOpen = false // the NS holds the policy's credential: no cycle is open
	}
	c.sweep.observed(desiredOf(p), obs, swept, in.Also, now)
	c.mu.Unlock()
	c.metrics.observed(obs, rep)
	c.metrics.credentials(rep.Credentials)
	if !ok {
		return
	}
	t := c.breaker.Observe(now, actionable(obs, now, p.Reconcile.PendingGrace), acted)
	if t.Tripped || t.Closed {
		c.recordBreaker(t)
	}
}

// actionable counts the pairs not Ready as desired.Judge judges them: not
// Ready at the NS package version, and not a download within the grace.
func actionable(obs *observed.Observation, now time.Time, grace time.Duration) int {
	n := 0
	for _, pr := range obs.Pairs() {
		if desired.Judge(pr, now, grace) == desired.PairNotReady {
			n++
		}
	}
	return n
}

func (c *Controller) executor(p *policy.Policy) *apply.Executor {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &apply.Executor{Driver: c.gated().Driver,
		Gates:    guardGates(p, c),
		Recorder: recorder{c}, Clock: c.clock,
		Concurrency: p.Reconcile.Concurrency, CallTimeout: p.Reconcile.CallTimeout, Logger: c.log}
}

// afterExec updates backoff, verification requeues and approvals.
func (c *Controller) afterExec(p *policy.Policy, res PassResult) {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, err := range res.Exec.Failures {
		c.retry.fail(h, err, now)
	}
	for _, a := range res.Plan.Actions {
		if res.Exec.Steps[a.ID].Outcome != actions.Applied {
			continue
		}
		if _, failed := res.Exec.Failures[a.Target.Server]; !failed {
			c.retry.ok(a.Target.Server)
		}
		if a.Kind == actions.ResendStatus {
			c.verify[a.Target.Server] = now.Add(p.Reconcile.VerifyAfter)
		}
		if guard.Restores(a, p.Credential) {
			c.cycleOpen = false
		}
		if a.Kind == actions.SetCredentialMode {
			c.sweep.changed() // every server must take the change
		}
		c.approvals.Consume(a.ID)
	}
	c.metrics.executed(res)
}

// startPass records the start of a pass when this controller may act.
func (c *Controller) startPass(res PassResult) error {
	if !res.Leader {
		return nil
	}
	return c.appendBatched(audit.Record{Type: audit.TypePassStart, Pass: res.ID})
}

// endPass records the end of a pass, with its counts and error.
func (c *Controller) endPass(res PassResult) {
	c.mu.Lock()
	c.actedLast = res.Applied() > 0 // every pass, acting or not: the breaker compares neighbours
	c.mu.Unlock()
	c.metrics.pass(res)
	c.metrics.gates(c.Policy(), c.limiter, c.breaker, res.End)
	c.metrics.ladder(c.ladderState())
	defer c.notifyPass(res)
	if !res.Leader {
		return
	}
	detail := c.recordObservation(res)
	maps.Copy(detail, map[string]any{"actions": len(res.Plan.Actions), "applied": res.Applied(),
		"duration": res.End.Sub(res.Start).String(), "holds_unchanged": c.forgetHolds(res.Plan)})
	c.mu.Lock()
	c.sweep.detail(res.Obs, res.Swept, detail)
	c.mu.Unlock()
	c.recordAges(detail)
	// Synced: the pass's batched records (its start, the outcomes of the
	// actions that did not run, its observation) become durable with it.
	rec := audit.Record{Type: audit.TypePassEnd, Pass: res.ID, Plan: res.Plan.ID, Detail: audit.JSON(detail)}
	if res.Err != nil {
		rec.Error = res.Err.Error()
	}
	if err := c.append(rec); err != nil {
		c.ages.Unrecorded() // the next pass_end starts the history again
		c.log.Error("pass end not recorded", "pass", res.ID, "error", err)
	}
	c.confirmObservation(res.End, detail["observe_error"] == nil)
	c.checkpoint(c.Policy(), res.End)
}

// append writes a record when a journal is attached, durable when it
// returns.
func (c *Controller) append(r audit.Record) error { return c.write(r, synced) }

// appendBatched writes a record that gates nothing (a pass's start, the
// outcome of an action that did not run, an observation) without waiting
// for its own fsync, when the journal batches (audit.Journal.AppendBatched:
// the journal itself syncs any record that gates something); the pass_end
// record, appended synced, makes the pass's batch durable.
func (c *Controller) appendBatched(r audit.Record) error { return c.write(r, batched) }

// appendUnsynced writes a record of any type without its fsync, when the
// journal can (audit.Journal.AppendUnsynced), for a caller that calls
// syncJournal before anything acts on it: the executor's intents.
func (c *Controller) appendUnsynced(r audit.Record) error { return c.write(r, unsynced) }

// syncJournal makes every record written so far durable.
func (c *Controller) syncJournal() error {
	sj, ok := c.journal.(batchingJournal)
	if !ok {
		return nil // every record was appended synced
	}
	err := sj.Sync()
	c.noteAppend(err)
	if err != nil {
		return fmt.Errorf("%w: %w", apply.ErrJournal, err)
	}
	return nil
}

// batchingJournal is a journal that can share one fsync between records.
type batchingJournal interface {
	AppendBatched(audit.Record) (audit.Record, error)
	AppendUnsynced(audit.Record) (audit.Record, error)
	Sync() error
}

// syncMode says when a record written is durable.
type syncMode int

const (
	synced   syncMode = iota // when write returns
	batched                  // when the journal syncs next, unless it gates something (AppendBatched)
	unsynced                 // when the journal syncs next, whatever it is (AppendUnsynced)
)

func (c *Controller) write(r audit.Record, mode syncMode) error {
	if c.journal == nil {
		return nil
	}
	var rec audit.Record
	var err error
	bj, ok := c.journal.(batchingJournal)
	switch {
	case ok && mode == batched:
		rec, err = bj.AppendBatched(r)
	case ok && mode == unsynced:
		rec, err = bj.AppendUnsynced(r)
	default:
		rec, err = c.journal.Append(r)
	}
	c.noteAppend(err)
	if err == nil {
		if rec.Type == "" { // a journal that does not hand the record back
			rec = r
			rec.Time = c.clock.Now()
		}
		c.foldLadder(rec)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", apply.ErrJournal, err)
	}
	return nil
}
