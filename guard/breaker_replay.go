package guard

import (
	"encoding/json"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/inbox"
)

// carriedBreaker is the breaker's part of the state a segment record
// carries (controller.CarriedState): set while the breaker is open.
type carriedBreaker struct {
	Breaker *BreakerState `json:"breaker,omitempty"`
}

// Replay folds one journal record into the breaker: a breaker record
// trips it (state tripped) or closes it (any other state); a segment
// record sets it to the state the segment carries, open or closed, so
// that a breaker tripped in a segment retention removed stays open. The
// controller's restore and `reconciler breaker status` both fold with it.
func (b *Breaker) Replay(r audit.Record) {
	switch r.Type {
	case audit.TypeBreaker:
		var d inbox.BreakerDetail
		if json.Unmarshal(r.Detail, &d) != nil {
			return
		}
		if d.State == "tripped" {
			b.Trip(r.Time, d.Reason)
		} else {
			b.Reset()
		}
	case audit.TypeSegment:
		var seg audit.SegmentDetail
		var c carriedBreaker
		if json.Unmarshal(r.Detail, &seg) != nil || len(seg.Carry) == 0 || json.Unmarshal(seg.Carry, &c) != nil {
			return
		}
		if c.Breaker != nil && c.Breaker.Open {
			b.Trip(c.Breaker.Since, c.Breaker.Reason)
		} else {
			b.Reset()
		}
	}
}
