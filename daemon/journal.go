package daemon

import (
	"context"
	"sync"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/estateview"
)

// attacher opens the journal when the controller becomes leader and
// closes it, with a shutdown note, when the daemon stops.
type attacher struct {
	o    Options
	ctl  *controller.Controller
	view *estateview.View
	mu   sync.Mutex
	j    *audit.Journal
}

// attach is the controller's Options.Attach: it opens the journal (the
// console's view receives each record it stores), restores the gates from
// it and hands it to the view.
func (d *attacher) attach(context.Context) (controller.Journal, error) {
	j, err := d.o.OpenJournal("run", d.view.Ingest)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.j = j
	d.mu.Unlock()
	if err := d.ctl.Restore(d.o.Policy.Audit.Path); err != nil {
		d.o.Logger.Error("budgets", "error", err)
	}
	rebuildView(d.o, d.view)
	d.view.Attach(j)
	return j, nil
}

// rebuildView folds the journal into the view; a journal it cannot read
// whole leaves the history read before the damage.
func rebuildView(o Options, view *estateview.View) {
	if err := view.Rebuild(o.Policy.Audit.Path); err != nil {
		o.Logger.Warn("console: history rebuilt from the journal in part", "error", err)
	}
}

// journal is the journal open now, nil before the first attach.
func (d *attacher) journal() *audit.Journal {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.j
}

// close records the shutdown and closes the journal, if one is open.
func (d *attacher) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.j == nil {
		return
	}
	note := audit.Record{Type: audit.TypeNote, Detail: audit.JSON(map[string]string{"event": "shutdown"})}
	if _, err := d.j.Append(note); err != nil {
		d.o.Logger.Error("shutdown not recorded", "error", err)
	}
	d.j.Close()
}
