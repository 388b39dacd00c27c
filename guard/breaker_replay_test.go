package guard

import (
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/inbox"
)

func breakerRec(at time.Time, state, reason string) audit.Record {
	return audit.Record{Type: audit.TypeBreaker, Time: at, Detail: audit.JSON(inbox.BreakerDetail{State: state, Reason: reason})}
}

func segmentRec(carry any) audit.Record {
	d := audit.SegmentDetail{Reason: "size"}
	if carry != nil {
		d.Carry = audit.JSON(carry)
	}
	return audit.Record{Type: audit.TypeSegment, Detail: audit.JSON(d)}
}

func TestBreakerReplay(t *testing.T) {
	t1 := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	open := BreakerState{Open: true, Since: t1, Reason: "grew"}
	tests := []struct {
		name string
		recs []audit.Record
		want BreakerState
	}{
		{"none", nil, BreakerState{}},
		{"tripped", []audit.Record{breakerRec(t1, "tripped", "grew")}, open},
		{"tripped, reset", []audit.Record{breakerRec(t1, "tripped", "grew"), breakerRec(t2, "reset", "ok")}, BreakerState{}},
		{"tripped, closed", []audit.Record{breakerRec(t1, "tripped", "grew"), breakerRec(t2, "closed", "quiet")}, BreakerState{}},
		{"tripped twice", []audit.Record{breakerRec(t1, "tripped", "a"), breakerRec(t2, "tripped", "b")},
			BreakerState{Open: true, Since: t2, Reason: "b"}},
		{"carried open", []audit.Record{segmentRec(map[string]any{"breaker": open, "cycle_open": true})}, open},
		{"carried closed", []audit.Record{breakerRec(t1, "tripped", "grew"), segmentRec(map[string]any{"cycle_open": true})}, BreakerState{}},
		{"segment without carry", []audit.Record{breakerRec(t1, "tripped", "grew"), segmentRec(nil)}, open},
		{"damaged detail", []audit.Record{breakerRec(t1, "tripped", "grew"), {Type: audit.TypeBreaker, Detail: []byte(`{`)}}, open},
		{"other types", []audit.Record{breakerRec(t1, "tripped", "grew"), {Type: audit.TypeNote, Detail: audit.JSON("x")}}, open},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBreaker(0)
			for _, r := range tt.recs {
				b.Replay(r)
			}
			if got := b.State(); got != tt.want {
				t.Errorf("state %+v, want %+v", got, tt.want)
			}
		})
	}
}
