package estateview

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/policy"
)

// Source is what the view reads of the controller when it pushes: all of
// it safe to call from the AfterPass hook. *controller.Controller is one.
type Source interface {
	Policy() *policy.Policy
	Report() *health.Report
	Gates(now time.Time) (guard.BreakerState, []controller.Budget)
	Limiter() *guard.Limiter
}

// Journal is where the view records condition transitions.
type Journal interface {
	Append(audit.Record) (audit.Record, error)
}

// View is the live view. Its methods are safe for concurrent use.
type View struct {
	db    *memdb.MemDB
	src   Source
	clock clock.Clock
	log   *slog.Logger

	inMu    sync.Mutex // guards pending, inPass and noting: Ingest never waits on a Push
	pending []audit.Record
	inPass  bool
	noting  string // the pass whose condition notes the view is journaling ("" none)

	mu      sync.Mutex // the writer: guards m and journal
	m       *model
	journal Journal
}

// New returns an empty view of what src controls.
func New(src Source, clk clock.Clock, log *slog.Logger) (*View, error) {
	db, err := memdb.NewMemDB(schema())
	if err != nil {
		return nil, fmt.Errorf("estate view: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v := &View{db: db, src: src, clock: clk, log: log, m: newModel()}
	v.mu.Lock()
	if src != nil {
		v.m.gates(src, clk.Now())
	}
	v.publish(clk.Now())
	v.mu.Unlock()
	return v, nil
}

// Snapshot returns a consistent read-only moment of the view.
func (v *View) Snapshot() Snapshot { return Snapshot{txn: v.db.Txn(false)} }

// Attach gives the view the journal it records condition transitions in
// (the leader's; a follower has none).
func (v *View) Attach(j Journal) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.journal = j
}

// Ingest takes one record as the journal stored it (the daemon passes it
// as the journal's audit.Options.Forward). Records of a pass wait
// for its Push; others (a policy reload between passes) are applied now.
// It only queues inside a pass: the executor's appends never wait on the
// view.
func (v *View) Ingest(r audit.Record) {
	v.inMu.Lock()
	if v.noting != "" && r.Type == audit.TypeNote && r.Pass == v.noting {
		v.inMu.Unlock()
		return // the view's own note: it holds these changes already
	}
	v.pending = append(v.pending, r)
	if r.Type == audit.TypePassStart {
		v.inPass = true
	}
	now := !v.inPass
	v.inMu.Unlock()
	if now {
		v.commit(nil)
	}
}

// takePending returns the queued records and ends the pass.
func (v *View) takePending(endPass bool) []audit.Record {
	v.inMu.Lock()
	defer v.inMu.Unlock()
	rs := v.pending
	v.pending = nil
	if endPass {
		v.inPass = false
	}
	return rs
}

// Push takes the end of a pass: the controller's AfterPass hook. It folds
// the pass's records, the report of its observation, its plan and the
// gates' state into the view, commits once, then journals the conditions
// that changed. A panic in it is logged, never raised into the pass.
func (v *View) Push(res controller.PassResult) {
	v.commit(&res)
}

// commit folds the queued records (and res, when set), publishes, then
// journals the conditions the pass changed. It journals them after
// releasing the view's lock, since the journal hands each note straight
// back through Ingest (its Forward hook), which leaves them out: the view
// holds those changes already (Rebuild folds them after a restart).
func (v *View) commit(res *controller.PassResult) {
	defer func() {
		if p := recover(); p != nil {
			v.log.Error("estate view: update failed", "panic", p)
		}
	}()
	changes := v.fold(res)
	if res != nil && res.Leader && v.journal != nil && len(changes) > 0 {
		v.setNoting(res.ID)
		defer v.setNoting("")
		v.recordChanges(res.ID, changes)
	}
}

func (v *View) setNoting(pass string) {
	v.inMu.Lock()
	v.noting = pass
	v.inMu.Unlock()
}

// fold is commit's part under the view's lock: it returns the changes of
// res's pass.
func (v *View) fold(res *controller.PassResult) []change {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, r := range v.takePending(res != nil) {
		v.m.fold(r)
	}
	now := v.clock.Now()
	var changes []change
	if res != nil {
		changes = v.m.pass(*res, v.src, now)
	}
	if v.src != nil {
		v.m.gates(v.src, now)
	}
	v.publish(now)
	return changes
}
