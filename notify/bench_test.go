package notify

import (
	"context"
	"fmt"
	"testing"

	"github.com/itms-tools/reconciler/clock"
)

// BenchmarkNotifyRepeat is what a pass pays per condition it reports
// again: an open incident (or a resolution of nothing), with four
// receivers configured.
func BenchmarkNotifyRepeat(b *testing.B) {
	n := benchNotifier(b)
	defer stopNow(n)
	ev := BreakerTrippedEvent(t0, "grew")
	n.Notify(ev)
	b.ReportAllocs()
	for b.Loop() {
		n.Notify(ev)
		n.Notify(CMDBReadableEvent(t0))
	}
}

// BenchmarkNotifyNew is the cost of a new incident queued to four
// receivers (whose queues overflow: the senders never answer).
func BenchmarkNotifyNew(b *testing.B) {
	n := benchNotifier(b)
	defer stopNow(n)
	evs := make([]Event, 1000)
	for i := range evs {
		evs[i] = incidentEv(fmt.Sprintf("k%d", i), Warning)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ev := evs[i%len(evs)]
		ev.Key = fmt.Sprintf("%s/%d", ev.Key, i)
		n.Notify(ev)
		i++
	}
}

func benchNotifier(b *testing.B) *Notifier {
	n := New(Options{Clock: clock.NewFake(t0)})
	var rs []Receiver
	for i := range 4 {
		rs = append(rs, Receiver{Config: Defaults(fmt.Sprintf("r%d", i), TypeWebhook),
			Sender: &fakeSender{block: make(chan error)}})
	}
	n.Configure(rs)
	return n
}

// stopNow closes n without waiting for its stuck senders.
func stopNow(n *Notifier) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n.Close(ctx)
}
