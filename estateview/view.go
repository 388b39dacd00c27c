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

	inMu    sync.Mutex // guards pending: Ingest never waits on a Push
	pending []audit.Record

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
// as the journal's audit.Options.Forward). It only queues: the journal
// calls it while it holds its own lock, and the view's Push appends to the
// journal while it holds the view's, so folding here could deadlock. The
// records are folded at the next Push, the end of the pass they belong to
// (a reload or an inbox request between passes shows at the next pass).
func (v *View) Ingest(r audit.Record) {
	if isConditionsNote(r) {
		return // written by this view from its own model: nothing to fold
	}
	v.inMu.Lock()
	v.pending = append(v.pending, r)
	v.inMu.Unlock()
}

// takePending returns the queued records.
func (v *View) takePending() []audit.Record {
	v.inMu.Lock()
	defer v.inMu.Unlock()
	rs := v.pending
	v.pending = nil
	return rs
}

// Push takes the end of a pass: the controller's AfterPass hook. It folds
// the pass's records, the report of its observation, its plan and the
// gates' state into the view, commits once, then journals the conditions
// that changed. A panic in it is logged, never raised into the pass.
func (v *View) Push(res controller.PassResult) {
	v.commit(&res)
}

// commit folds the queued records (and res, when set) and publishes.
func (v *View) commit(res *controller.PassResult) {
	defer func() {
		if p := recover(); p != nil {
			v.log.Error("estate view: update failed", "panic", p)
		}
	}()
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, r := range v.takePending() {
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
	if res != nil && res.Leader && v.journal != nil && len(changes) > 0 {
		v.recordChanges(res.ID, changes)
	}
}
