package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/observed"
)

// AgesKey is the member of a pass_end record's detail that carries the
// pass's observed.AgeDelta: the pairs that entered or left a status in
// progress (Pending, the downloads) since the previous pass_end, with when
// each was first seen in it. It is absent when nothing changed.
const AgesKey = "in_progress"

// maxAgeDelta bounds the pairs one pass_end lists (about 40 KB); a larger
// change is spread over the next passes.
const maxAgeDelta = 1000

// recordAges adds the pass's age delta to a pass_end detail.
func (c *Controller) recordAges(detail map[string]any) {
	if d := c.ages.Delta(maxAgeDelta); !d.Empty() {
		detail[AgesKey] = d
	}
}

// RestoreAges gives a one-shot controller (plan, status, approve) the
// ages of the pairs in progress as the daemon knew them, rebuilt from the
// deltas its passes journaled, so that a pair the daemon has watched stay
// Pending for hours is not taken for one just seen. A startup record
// forgets the history before it (the new process knew nothing). The
// history is used only when the last pass ended less than pending_grace
// ago: older than that, a pair may have left its status and come back
// unseen. It returns how many pairs in progress it knows: 0 without a
// journal, with no pass in it, or with a stale one.
func (c *Controller) RestoreAges(path string) (int, error) {
	var h observed.AgeHistory
	err := audit.ReadAll(path, func(r audit.Record) error {
		switch r.Type {
		case audit.TypeStartup:
			h.Reset()
		case audit.TypePassEnd:
			var d map[string]json.RawMessage
			var delta observed.AgeDelta
			if json.Unmarshal(r.Detail, &d) == nil && d[AgesKey] != nil && json.Unmarshal(d[AgesKey], &delta) == nil {
				h.Apply(r.Time, delta)
			} else {
				h.Noted(r.Time)
			}
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("pair ages from %s (every pair in progress counts as just seen): %w", path, err)
	}
	grace := c.Policy().Reconcile.PendingGrace
	if h.Last().IsZero() || c.clock.Now().Sub(h.Last()) >= grace {
		return 0, nil
	}
	c.ages.Seed(&h)
	return h.Len(), nil
}
