package apply

import (
	"context"
	"errors"
	"fmt"
	"github.com/itms-tools/reconciler/actions"
	"log/slog"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/vocab"
)

// Gates decide which actions may run now. Admit sees the whole plan at
// once and decides in plan order, so budgets and blast radius are shared
// deterministically; actions absent from the result are admitted. The
// result may also name actions that wait for a held one (actions.WaitHold): the executor defers those by their prerequisites.
type Gates interface {
	Admit(p actions.Plan, now time.Time) map[string]actions.Hold
	// Spent tells the gates an action was started at.
	Spent(a actions.Action, at time.Time)
}

// Driver applies one action to the site. It decides nothing.
type Driver interface {
	Apply(ctx context.Context, a actions.Action) error
}

// Step is one audit event of the executor.
type Step struct {
	Pass    string
	Plan    string
	Action  actions.Action
	Outcome actions.Outcome // empty for an intent
	Held    actions.Hold    // why it did not run (no class: it ran)
	Err     error
}

// Rule is the text of the step's hold ("" when it ran).
func (s Step) Rule() string { return s.Held.Rule() }

// Recorder writes the audit trail. An intent must be durable before its
// action runs: the executor writes the intents of the actions it is about
// to start, calls Sync once, and starts them only when Sync has returned
// (Intent itself need not wait for the disk). An Intent error that wraps ErrUnrecordable
// means that this one record cannot be written (it is too large for the
// journal) while the journal itself is fine: the action fails, without
// running, and the pass goes on. Any other error stops the pass.
type Recorder interface {
	Intent(ctx context.Context, s Step) error
	// Sync makes every intent written so far durable.
	Sync(ctx context.Context) error
	Outcome(ctx context.Context, s Step) error
}

// Executor applies plans.
type Executor struct {
	Driver      Driver
	Gates       Gates
	Recorder    Recorder
	Clock       clock.Clock
	Concurrency int           // actions in flight at once, across targets
	CallTimeout time.Duration // per driver call
	Logger      *slog.Logger
}

// StepResult is the fate of one action.
type StepResult struct {
	Outcome actions.Outcome
	Held    actions.Hold // why it did not run (no class: it ran)
	Err     error
}

// Rule is the text of the result's hold ("" when it ran).
func (s StepResult) Rule() string { return s.Held.Rule() }

// Result is what a pass applied.
type Result struct {
	Steps map[string]StepResult
	// Failures holds the first failure per target server ("" for the NS).
	Failures map[vocab.Host]error
	// Interrupted is set when the context ended before every action was
	// resolved; unresolved actions were not started and have no record.
	Interrupted bool
}

// Count returns how many actions had the outcome, per kind.
func (r Result) Count(p actions.Plan, o actions.Outcome) map[actions.Kind]int {
	c := map[actions.Kind]int{}
	for _, a := range p.Actions {
		if s, ok := r.Steps[a.ID]; ok && s.Outcome == o {
			c[a.Kind]++
		}
	}
	return c
}

// Touched lists the servers on which an action was applied, sorted.
func (r Result) Touched(p actions.Plan) []vocab.Host {
	var hs []vocab.Host
	for _, a := range p.Actions {
		if !a.Target.IsNS() && r.Steps[a.ID].Outcome == actions.Applied {
			hs = append(hs, a.Target.Server)
		}
	}
	return sortedServers(hs)
}

// ErrJournal wraps a failure to write the audit trail: the pass stops,
// since nothing may run unrecorded.
var ErrJournal = errors.New("audit journal")

// ErrUnrecordable marks a record that the journal refuses on its own (too
// large), the journal staying usable: the action it announces fails
// without running, and the pass goes on (see Recorder).
var ErrUnrecordable = errors.New("record refused by the journal")

// Run applies the plan in dependency order: one action at a time per
// target, at most Concurrency at once. It returns when every action is
// resolved, or the context ends (in-flight actions finish and are recorded),
// or the journal fails.
func (e *Executor) Run(ctx context.Context, pass string, p actions.Plan) (Result, error) {
	return e.RunAdmitted(ctx, pass, p, e.Gates.Admit(p, e.Clock.Now()))
}

// RunAdmitted is Run with the gates' decision already taken (holds is
// what Gates.Admit returned for p): the pass decides once, and `plan`
// shows that same decision.
func (e *Executor) RunAdmitted(ctx context.Context, pass string, p actions.Plan, holds map[string]actions.Hold) (Result, error) {
	r := newRun(e, pass, p, holds)
	return r.loop(ctx)
}

// callDriver runs one action with its own timeout, detached from the pass's
// cancellation so a shutdown lets it finish; a panic becomes an error.
func (e *Executor) callDriver(ctx context.Context, a actions.Action) (err error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.callTimeout())
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("driver panic: %v", v)
		}
	}()
	return e.Driver.Apply(cctx, a)
}

func (e *Executor) callTimeout() time.Duration {
	if e.CallTimeout <= 0 {
		return time.Minute
	}
	return e.CallTimeout
}

func (e *Executor) concurrency() int {
	if e.Concurrency < 1 {
		return 1
	}
	return e.Concurrency
}

func (e *Executor) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

// sortedServers returns the hosts sorted, without repeats, in a new slice.
func sortedServers(hs []vocab.Host) []vocab.Host {
	out := slices.Clone(hs)
	slices.Sort(out)
	return slices.Compact(out)
}
