package estateview

import (
	"errors"
	"io/fs"

	"github.com/itms-tools/reconciler/audit"
)

// Rebuild folds every record of the journal at path into the view (the
// passes, the actions with their reasons and outcomes, approvals, breaker
// transitions, policy reloads, condition transitions), keeping the bounded
// history, and publishes it. Records already folded are skipped, so it may
// run again. A journal that does not exist yet is no error; a damaged one
// keeps what was read before the damage, and the error says where.
func (v *View) Rebuild(path string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	seq := v.m.lastSeq
	var n int64
	err := audit.ReadAll(path, func(r audit.Record) error {
		n++
		v.m.fold(r)
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	v.m.est.Rebuilt.Records += n
	v.m.est.Rebuilt.LastSeq = v.m.lastSeq
	if err != nil {
		v.m.est.Rebuilt.Error = err.Error()
	}
	if v.m.lastSeq == seq && err == nil {
		return nil // nothing new: no change of the view
	}
	now := v.clock.Now()
	if v.src != nil {
		v.m.gates(v.src, now)
	}
	v.publish(now)
	return err
}
