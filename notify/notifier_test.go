package notify

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestOnceUntilResolved: an incident is sent once however often it is
// reported, its resolution once, a resolution of nothing never, and the
// same incident again after it resolved.
func TestOnceUntilResolved(t *testing.T) {
	s := &fakeSender{}
	n, _, rec := setup(t, recv("ops", s))
	trip := BreakerTrippedEvent(t0, "grew from 3 to 9")
	for range 5 {
		n.Notify(trip)
	}
	rec.waitFor(t, "ops", Delivered)
	if got := n.Open(); !slices.Equal(got, []string{KeyBreaker}) {
		t.Errorf("open = %v, want [breaker]", got)
	}
	for range 3 {
		n.Notify(BreakerClosedEvent(t0.Add(time.Minute), "reset"))
	}
	rec.waitFor(t, "ops", Delivered)
	n.Notify(trip)
	n.Close(context.Background())
	want := []string{"firing breaker", "resolved breaker", "firing breaker"}
	if got := s.keys(); !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
	res := s.messages()[1]
	if res.Incident == nil || res.Incident.Kind != BreakerTripped || res.Event.Kind != BreakerClosed {
		t.Errorf("resolution %+v: want breaker_closed resolving breaker_tripped", res)
	}
	if res.Event.Subject.NS != "ns01" {
		t.Errorf("subject %+v: want the notifier's NS", res.Event.Subject)
	}
}

// TestResolutionCoversPrefix: one resolution closes every incident under
// its key, each told once.
func TestResolutionCoversPrefix(t *testing.T) {
	s := &fakeSender{}
	n, _, rec := setup(t, recv("ops", s))
	n.Notify(StalledEvent(t0, "PS001", "", "trust broken"))
	n.Notify(StalledEvent(t0.Add(time.Second), "PS001", "{p1}", "no remedy"))
	n.Notify(StalledEvent(t0.Add(2*time.Second), "PS002", "", "trust broken"))
	for range 3 {
		rec.waitFor(t, "ops", Delivered)
	}
	n.Notify(Event{Kind: Recovered, Key: "stalled/PS001", Resolved: true, Time: t0.Add(time.Hour)})
	n.Close(context.Background())
	want := []string{"firing stalled/PS001", "firing stalled/PS001/{p1}", "firing stalled/PS002",
		"resolved stalled/PS001", "resolved stalled/PS001/{p1}"}
	if got := s.keys(); !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
	if got := n.Open(); !slices.Equal(got, []string{"stalled/PS002"}) {
		t.Errorf("open = %v, want stalled/PS002 only", got)
	}
}

// TestApprovalSetReplaces: the same actions waiting again are not told; a
// changed set is, replacing the earlier one, so that one resolution ends
// it.
func TestApprovalSetReplaces(t *testing.T) {
	s := &fakeSender{}
	n, _, rec := setup(t, recv("ops", s))
	one := ApprovalNeededEvent(t0, "p-1", []string{"a1"})
	two := ApprovalNeededEvent(t0.Add(time.Minute), "p-2", []string{"a1", "a2"})
	n.Notify(one)
	rec.waitFor(t, "ops", Delivered)
	n.Notify(ApprovalNeededEvent(t0.Add(time.Second), "p-9", []string{"a1"})) // same set, other plan
	n.Notify(two)
	rec.waitFor(t, "ops", Delivered)
	if got := n.Open(); !slices.Equal(got, []string{two.Key}) {
		t.Errorf("open = %v, want only %s", got, two.Key)
	}
	n.Notify(ApprovalsClearEvent(t0.Add(time.Hour)))
	n.Close(context.Background())
	want := []string{"firing " + one.Key, "firing " + two.Key, "resolved " + two.Key}
	if got := s.keys(); !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestFilters: events and min_severity choose what a receiver gets; a
// test event passes every filter and opens no incident.
func TestFilters(t *testing.T) {
	all, crit, tripOnly := &fakeSender{}, &fakeSender{}, &fakeSender{}
	n, _, _ := setup(t, recv("all", all),
		recv("crit", crit, func(c *Config) { c.MinSeverity = Critical }),
		recv("trip", tripOnly, func(c *Config) { c.Events = []Kind{BreakerTripped} }))
	n.Notify(PolicyRejectedEvent(t0, "/etc/p.hcl", "bad"))
	n.Notify(CMDBUnreadableEvent(t0, t0.Add(-time.Hour), "down"))
	n.Notify(BreakerTrippedEvent(t0, "grew"))
	n.Notify(TestEvent(t0, "host"))
	if got, want := n.Open(), []string{KeyBreaker, KeyCMDB, KeyPolicy}; !slices.Equal(got, want) {
		t.Errorf("open %v, want %v", got, want)
	}
	n.Close(context.Background())
	test := "firing test/" + strconv.FormatInt(t0.UnixNano(), 10)
	tests := []struct {
		name string
		s    *fakeSender
		want []string
	}{
		{"all", all, []string{"firing policy_rejected", "firing cmdb_unreadable", "firing breaker", test}},
		{"crit", crit, []string{"firing cmdb_unreadable", "firing breaker", test}},
		{"trip", tripOnly, []string{"firing breaker", test}},
	}
	for _, tt := range tests {
		if got := tt.s.keys(); !slices.Equal(got, tt.want) {
			t.Errorf("%s got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestResolutionFilter: a receiver told of an incident is told of its end
// even below its min_severity; one whose events omit the resolution kind
// is not.
func TestResolutionFilter(t *testing.T) {
	crit, tripOnly := &fakeSender{}, &fakeSender{}
	n, _, rec := setup(t, recv("crit", crit, func(c *Config) { c.MinSeverity = Critical }),
		recv("trip", tripOnly, func(c *Config) { c.Events = []Kind{BreakerTripped} }))
	n.Notify(BreakerTrippedEvent(t0, "grew"))
	rec.waitFor(t, "crit", Delivered)
	rec.waitFor(t, "trip", Delivered)
	n.Notify(BreakerClosedEvent(t0.Add(time.Hour), ""))
	n.Close(context.Background())
	if got, want := crit.keys(), []string{"firing breaker", "resolved breaker"}; !slices.Equal(got, want) {
		t.Errorf("crit got %v, want %v", got, want)
	}
	if got, want := tripOnly.keys(), []string{"firing breaker"}; !slices.Equal(got, want) {
		t.Errorf("trip got %v, want %v", got, want)
	}
}

// TestSuperseded: an incident that resolves before its message left the
// queue is sent neither opened nor resolved.
func TestSuperseded(t *testing.T) {
	s := &fakeSender{block: make(chan error), started: make(chan Message, 10)}
	n, _, rec := setup(t, recv("ops", s))
	n.Notify(incidentEv("a", Warning))
	<-s.started // a is in flight
	n.Notify(incidentEv("b", Warning))
	n.Notify(Event{Kind: Recovered, Key: "b", Resolved: true, Time: t0})
	if d := rec.wait(t); d.Outcome != Superseded || d.Key != "b" {
		t.Fatalf("got %+v, want b superseded", d)
	}
	n.Notify(Event{Kind: Recovered, Key: "a", Resolved: true, Time: t0})
	s.block <- nil
	<-s.started // the resolution of a
	s.block <- nil
	n.Close(context.Background())
	if got, want := s.keys(), []string{"firing a", "resolved a"}; !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestReconfigureKeepsIncidents: a reload that rebuilds the receivers does
// not tell an open incident again, and a changed receiver's new worker
// takes over the old one's queue and message in flight.
func TestReconfigureKeepsIncidents(t *testing.T) {
	old := &fakeSender{block: make(chan error), started: make(chan Message, 10)}
	n, _, rec := setup(t, recv("ops", old))
	n.Notify(incidentEv("a", Warning))
	<-old.started
	n.Notify(incidentEv("b", Warning))
	fresh := &fakeSender{}
	n.Configure([]Receiver{recv("ops", fresh, func(c *Config) { c.Timeout = time.Minute })})
	n.Notify(incidentEv("a", Warning))
	n.Notify(incidentEv("c", Warning))
	for range 3 { // a (handed over from the old worker), b and c
		rec.waitFor(t, "ops", Delivered)
	}
	n.Close(context.Background())
	got := fresh.keys()
	slices.Sort(got)
	if want := []string{"firing a", "firing b", "firing c"}; !slices.Equal(got, want) {
		t.Errorf("new worker sent %v, want %v", got, want)
	}
}

// TestCloseDrains: Close delivers what is queued before returning.
func TestCloseDrains(t *testing.T) {
	s := &fakeSender{}
	n, _, _ := setup(t, recv("ops", s))
	for _, k := range []string{"a", "b", "c"} {
		n.Notify(incidentEv(k, Info))
	}
	n.Close(context.Background())
	n.Notify(incidentEv("d", Info)) // after Close: ignored
	if got := len(s.messages()); got != 3 {
		t.Errorf("sent %d, want 3", got)
	}
	if c := n.Counts()["ops"][Delivered]; c != 3 {
		t.Errorf("counted %d delivered, want 3", c)
	}
}

// TestCloseDeadline: a receiver that never answers is abandoned when the
// drain deadline passes; what it held is recorded dropped.
func TestCloseDeadline(t *testing.T) {
	s := &fakeSender{block: make(chan error), started: make(chan Message, 10)}
	n, _, _ := setup(t, recv("ops", s))
	n.Notify(incidentEv("a", Warning))
	<-s.started
	n.Notify(incidentEv("b", Warning))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n.Close(ctx)
	if c := n.Counts()["ops"][Dropped]; c != 2 {
		t.Errorf("dropped %d, want 2 (the one in flight and the queued one)", c)
	}
}
