package apply

import (
	"context"
	"errors"
	"fmt"
	"github.com/itms-tools/reconciler/actions"
	"log/slog"

	"github.com/itms-tools/reconciler/crashpoint"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/vocab"
)

// run is the state of one Executor.Run.
type run struct {
	e       *Executor
	pass    string
	plan    actions.Plan
	holds   map[string]actions.Hold
	idx     map[string]int
	deps    [][]int // deps[i]: actions i must follow
	next    [][]int // next[i]: actions that follow i
	waiting []int   // unresolved deps count
	res     Result
	ready   map[vocab.Host][]int // per target, plan-ordered ready actions
	busy    map[vocab.Host]bool
	broken  map[vocab.Host]string // target → id of the action that failed
	left    int
	done    chan completion
	flying  int
	// starting are the actions whose intents are written and that start
	// once Sync has made those intents durable.
	starting []int
}

type completion struct {
	i   int
	err error
}

func newRun(e *Executor, pass string, p actions.Plan, holds map[string]actions.Hold) *run {
	r := &run{e: e, pass: pass, plan: p, idx: p.Index(), holds: holds,
		res:   Result{Steps: map[string]StepResult{}, Failures: map[vocab.Host]error{}},
		ready: map[vocab.Host][]int{}, busy: map[vocab.Host]bool{}, broken: map[vocab.Host]string{},
		left: len(p.Actions), done: make(chan completion)}
	r.deps = make([][]int, len(p.Actions))
	r.next = make([][]int, len(p.Actions))
	r.waiting = make([]int, len(p.Actions))
	for i, a := range p.Actions {
		for _, d := range a.Deps() {
			j, ok := r.idx[d]
			if !ok {
				continue
			}
			r.deps[i] = append(r.deps[i], j)
			r.next[j] = append(r.next[j], i)
			r.waiting[i]++
		}
	}
	for i := range p.Actions {
		if r.waiting[i] == 0 {
			r.enqueue(i)
		}
	}
	return r
}

func (r *run) enqueue(i int) {
	t := r.plan.Actions[i].Target.Server
	r.ready[t] = insertSorted(r.ready[t], i)
}

func insertSorted(q []int, i int) []int {
	at := len(q)
	for k, v := range q {
		if v > i {
			at = k
			break
		}
	}
	q = append(q, 0)
	copy(q[at+1:], q[at:])
	q[at] = i
	return q
}

func (r *run) loop(ctx context.Context) (Result, error) {
	var jerr error
	for r.left > 0 {
		if jerr == nil && ctx.Err() == nil {
			jerr = r.dispatch(ctx)
		}
		if r.flying == 0 {
			break
		}
		if err := r.collect(ctx); err != nil && jerr == nil {
			jerr = err
		}
	}
	r.res.Interrupted = r.left > 0
	return r.res, jerr
}

// collect waits for one completion and takes every other that is already
// there, so that the next dispatch writes the intents that follow them
// under one sync.
func (r *run) collect(ctx context.Context) error {
	var first error
	take := func(c completion) {
		r.flying--
		if err := r.finish(ctx, c); err != nil && first == nil {
			first = err
		}
	}
	take(<-r.done)
	for r.flying > 0 {
		select {
		case c := <-r.done:
			take(c)
		default:
			return first
		}
	}
	return first
}

// dispatch resolves every ready action it can without running it, writes
// the intents of ready actions while there is room, and starts those once
// one sync has made their intents durable.
func (r *run) dispatch(ctx context.Context) error {
	err := r.decideReady(ctx)
	if len(r.starting) == 0 {
		return err
	}
	if serr := r.e.Recorder.Sync(ctx); serr != nil {
		r.abandon()
		return errors.Join(err, fmt.Errorf("%w: sync intents: %w", ErrJournal, serr))
	}
	r.start(ctx)
	return err
}

// decideReady decides the ready actions while there is room.
func (r *run) decideReady(ctx context.Context) error {
	for progressed := true; progressed; {
		progressed = false
		for _, t := range r.readyTargets() {
			if r.busy[t] || r.flying >= r.e.concurrency() {
				continue
			}
			i := r.ready[t][0]
			r.ready[t] = r.ready[t][1:]
			started, err := r.decide(ctx, i)
			if err != nil {
				return err
			}
			if started {
				r.busy[t] = true
			}
			progressed = true
		}
	}
	return nil
}

// readyTargets lists targets with ready actions, NS first then by name.
func (r *run) readyTargets() []vocab.Host {
	var ts []vocab.Host
	for t, q := range r.ready {
		if len(q) > 0 {
			ts = append(ts, t)
		}
	}
	return sortedServers(ts)
}

// decide resolves action i without running it when a gate, an unmet
// prerequisite or a failure on its target says so; otherwise it records the
// intent and starts it.
func (r *run) decide(ctx context.Context, i int) (bool, error) {
	a := r.plan.Actions[i]
	if h, held := r.hold(a); held {
		return false, r.resolve(ctx, i, StepResult{Outcome: h.Outcome, Held: h})
	}
	crashpoint.Hit(crashpoint.BeforeIntent)
	if err := r.e.Recorder.Intent(ctx, r.step(a, "", actions.Hold{}, nil)); err != nil {
		if errors.Is(err, ErrUnrecordable) {
			return false, r.unrecorded(ctx, i, err)
		}
		return false, fmt.Errorf("%w: intent %s: %w", ErrJournal, a.ID, err)
	}
	r.flying++
	r.starting = append(r.starting, i)
	return true, nil
}

// start runs the actions whose intents Sync made durable.
func (r *run) start(ctx context.Context) {
	for _, i := range r.starting {
		a := r.plan.Actions[i]
		crashpoint.Hit(crashpoint.AfterIntent)
		r.e.Gates.Spent(a, r.e.Clock.Now())
		go func() {
			r.done <- completion{i: i, err: r.e.callDriver(ctx, a)}
		}()
	}
	r.starting = r.starting[:0]
}

// abandon gives up the actions whose intents could not be made durable:
// none of them runs, and the pass stops (a journal error) once the actions
// in flight are done.
func (r *run) abandon() {
	r.flying -= len(r.starting)
	r.starting = r.starting[:0]
}

// unrecorded fails action i, which never ran because its intent could not
// be recorded, as a terminal failure of its target: the same plan would
// give the same record again.
func (r *run) unrecorded(ctx context.Context, i int, cause error) error {
	a := r.plan.Actions[i]
	err := failure.MarkTerminal(fmt.Errorf("not run: its intent could not be recorded: %w", cause))
	r.broken[a.Target.Server] = a.ID
	if _, ok := r.res.Failures[a.Target.Server]; !ok {
		r.res.Failures[a.Target.Server] = err
	}
	return r.resolve(ctx, i, StepResult{Outcome: actions.Failed, Err: err})
}

// hold returns the hold that keeps a from running, if any.
func (r *run) hold(a actions.Action) (actions.Hold, bool) {
	if id, ok := r.broken[a.Target.Server]; ok && !r.restoresCycle(a) {
		return actions.Hold{Class: actions.HoldAfter, Detail: id, Outcome: actions.Skipped}, true
	}
	if unmet := r.unmet(a); unmet != "" {
		return actions.WaitHold(unmet), true
	}
	h, ok := r.holds[a.ID]
	return h, ok
}

// restoresCycle reports whether a is round 2 of the reset cycle and round 1
// was applied: the NS must get its credential back whatever else failed.
func (r *run) restoresCycle(a actions.Action) bool {
	if a.Kind != actions.SetCredentialMode || a.Round != 2 {
		return false
	}
	for id, s := range r.res.Steps {
		if s.Outcome == actions.Applied && r.plan.Actions[r.idx[id]].Kind == actions.SetCredentialMode &&
			r.plan.Actions[r.idx[id]].Round == 1 {
			return true
		}
	}
	return false
}

// unmet returns a prerequisite that keeps every reason of a unsatisfied,
// or "" when some reason has all its prerequisites applied.
func (r *run) unmet(a actions.Action) string {
	first := ""
	for _, rs := range a.Reasons {
		missing := ""
		for _, id := range rs.Requires {
			if r.res.Steps[id].Outcome != actions.Applied {
				missing = id
				break
			}
		}
		if missing == "" {
			return ""
		}
		if first == "" {
			first = missing
		}
	}
	return first
}

// finish records the outcome of a driver call.
func (r *run) finish(ctx context.Context, c completion) error {
	crashpoint.Hit(crashpoint.AfterAction)
	a := r.plan.Actions[c.i]
	r.busy[a.Target.Server] = false
	sr := StepResult{Outcome: actions.Applied}
	if c.err != nil {
		sr = StepResult{Outcome: actions.Failed, Err: c.err}
		r.broken[a.Target.Server] = a.ID
		if _, ok := r.res.Failures[a.Target.Server]; !ok {
			r.res.Failures[a.Target.Server] = c.err
		}
	}
	return r.resolve(ctx, c.i, sr)
}

// resolve records an outcome and releases the actions that follow.
func (r *run) resolve(ctx context.Context, i int, sr StepResult) error {
	a := r.plan.Actions[i]
	r.res.Steps[a.ID] = sr
	r.left--
	r.log(a, sr)
	for _, j := range r.next[i] {
		if r.waiting[j]--; r.waiting[j] == 0 {
			r.enqueue(j)
		}
	}
	crashpoint.Hit(crashpoint.BeforeOutcome)
	err := r.e.Recorder.Outcome(context.WithoutCancel(ctx), r.step(a, sr.Outcome, sr.Held, sr.Err))
	if err != nil {
		return fmt.Errorf("%w: outcome %s: %w", ErrJournal, a.ID, err)
	}
	return nil
}

func (r *run) step(a actions.Action, o actions.Outcome, h actions.Hold, err error) Step {
	return Step{Pass: r.pass, Plan: r.plan.ID, Action: a, Outcome: o, Held: h, Err: err}
}

func (r *run) log(a actions.Action, sr StepResult) {
	lvl := slog.LevelInfo
	if sr.Outcome == actions.Failed {
		lvl = slog.LevelWarn
	}
	attrs := []any{"action", a.ID, "kind", a.Kind, "server", a.Target.String(), "outcome", sr.Outcome}
	if rule := sr.Rule(); rule != "" {
		attrs = append(attrs, "rule", rule)
	}
	if sr.Err != nil {
		attrs = append(attrs, "err", sr.Err)
	}
	r.e.logger().Log(context.Background(), lvl, "action", attrs...)
}
