package notify

import (
	"context"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/itms-tools/reconciler/clock"
)

// Sender delivers one message to one receiver, once. It honours ctx (the
// attempt's timeout and the notifier's stop) and marks failures that a
// retry cannot cure with Permanent. Its errors never hold a secret.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Receiver is a receiver ready to use: its configuration, its sender and
// the secret values it holds (for the scrubbers).
type Receiver struct {
	Config  Config
	Sender  Sender
	Secrets []string
}

// Options configure a Notifier.
type Options struct {
	Clock   clock.Clock  // required
	Logger  *slog.Logger // nil discards
	Journal Journal      // nil: outcomes are only logged
	// NS names the site in every event's subject that names none.
	NS string
	// Scrub, when set, cleans an event's summary and details before any
	// receiver sees them (the log scrubber: a secret echoed into an error
	// never leaves the machine).
	Scrub func(string) string
}

// maxOpen bounds the incidents remembered as open; beyond it the oldest
// are forgotten (and would be sent again if they happened again).
const maxOpen = 10_000

// Notifier dedupes events and hands them to the receivers' workers. Its
// methods are safe for concurrent use; Notify never blocks on a receiver.
type Notifier struct {
	clock clock.Clock
	log   *slog.Logger
	ns    string
	scrub func(string) string
	rec   *recorder

	mu      sync.Mutex
	workers map[string]*worker
	open    map[string]*incident
	closed  bool
	wg      sync.WaitGroup
}

// incident is an open incident and the receivers it was queued to.
type incident struct {
	ev Event
	to []string
}

// New returns a notifier without receivers; Configure gives it some.
func New(o Options) *Notifier {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{clock: o.Clock, log: log, ns: o.NS, scrub: o.Scrub, workers: map[string]*worker{}, open: map[string]*incident{}}
	n.rec = newRecorder(o.Journal, log)
	return n
}

// Configure puts receivers in force (at start and on each policy reload).
// Open incidents are kept, so a reload sends nothing again. A receiver
// whose configuration is unchanged keeps its worker; a changed one gets a
// new worker that takes over the old one's queue; a removed one's queue is
// dropped.
func (n *Notifier) Configure(rs []Receiver) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	next := map[string]*worker{}
	for _, r := range rs {
		old := n.workers[r.Config.Name]
		if old != nil && reflect.DeepEqual(old.r.Config, r.Config) && slices.Equal(old.r.Secrets, r.Secrets) {
			next[r.Config.Name] = old
			continue
		}
		w := newWorker(n, r)
		next[r.Config.Name] = w
		if old != nil {
			old.retireLocked(w)
		}
		n.wg.Add(1)
		go w.run()
	}
	for name, old := range n.workers {
		if next[name] == nil {
			old.retireLocked(nil)
		}
	}
	n.workers = next
}

// Notify takes an event. An incident whose key is open is ignored; a new
// one is queued to every receiver that accepts it; a resolution closes
// the incidents it covers and is queued to the receivers that were sent
// them. It never blocks on a receiver and never fails.
func (n *Notifier) Notify(ev Event) {
	if ev.Subject.NS == "" {
		ev.Subject.NS = n.ns
	}
	if ev.Time.IsZero() {
		ev.Time = n.clock.Now()
	}
	n.scrubEvent(&ev)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	if ev.Resolved {
		n.resolveLocked(ev)
		return
	}
	key := ev.DedupeKey()
	if _, open := n.open[key]; open {
		return
	}
	if ev.Replaces != "" {
		n.replaceLocked(ev.Replaces, key)
	}
	in := &incident{ev: ev}
	for _, name := range slices.Sorted(maps.Keys(n.workers)) {
		w := n.workers[name]
		if w.r.Config.Accepts(ev.Kind, ev.Severity) {
			in.to = append(in.to, name)
			w.enqueueLocked(newMessage(name, Firing, ev, nil))
		}
	}
	if ev.Kind != Test {
		n.open[key] = in
		n.boundOpenLocked()
	}
}

// scrubEvent cleans the text of ev with the Scrub option.
func (n *Notifier) scrubEvent(ev *Event) {
	if n.scrub == nil {
		return
	}
	ev.Summary = n.scrub(ev.Summary)
	if len(ev.Details) == 0 {
		return
	}
	d := make(map[string]string, len(ev.Details))
	for k, v := range ev.Details {
		d[k] = n.scrub(v)
	}
	ev.Details = d
}

// replaceLocked forgets the open incidents under prefix but key, and
// takes their unsent messages out of the queues.
func (n *Notifier) replaceLocked(prefix, key string) {
	for k, in := range n.open {
		if k == key || !strings.HasPrefix(k, prefix+"/") {
			continue
		}
		delete(n.open, k)
		for _, name := range in.to {
			if w := n.workers[name]; w != nil {
				w.supersedeLocked(k)
			}
		}
	}
}

// resolveLocked closes the incidents ev covers, oldest first.
func (n *Notifier) resolveLocked(ev Event) {
	var keys []string
	for k := range n.open {
		if covers(ev.DedupeKey(), k) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int { return n.open[a].ev.Time.Compare(n.open[b].ev.Time) })
	for _, k := range keys {
		in := n.open[k]
		delete(n.open, k)
		res := ev
		res.Key = k
		if res.Subject.Server == "" && res.Subject.Package == "" {
			res.Subject = in.ev.Subject
		}
		for _, name := range in.to {
			w := n.workers[name]
			if w == nil || w.supersedeLocked(k) {
				continue
			}
			if evs := w.r.Config.Events; len(evs) == 0 || slices.Contains(evs, ev.Kind) {
				w.enqueueLocked(newMessage(name, Resolved, res, &in.ev))
			}
		}
	}
}

// boundOpenLocked forgets the oldest tenth of the incidents once there are
// more than maxOpen, so that the cost is paid once per many events.
func (n *Notifier) boundOpenLocked() {
	if len(n.open) <= maxOpen {
		return
	}
	keys := slices.Collect(maps.Keys(n.open))
	slices.SortFunc(keys, func(a, b string) int { return n.open[a].ev.Time.Compare(n.open[b].ev.Time) })
	for _, k := range keys[:len(keys)-maxOpen*9/10] {
		delete(n.open, k)
	}
}

// Open returns the keys of the open incidents, sorted (for status and
// tests).
func (n *Notifier) Open() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Sorted(maps.Keys(n.open))
}

// Secrets returns the secret values the receivers hold, for the log and
// journal scrubbers.
func (n *Notifier) Secrets() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, w := range n.workers {
		out = append(out, w.r.Secrets...)
	}
	return out
}

// Counts returns, per receiver, how many messages ended in each outcome
// (Failed counts attempts).
func (n *Notifier) Counts() map[string]map[Outcome]int { return n.rec.snapshot() }

// Close stops taking events and lets every worker finish its queue until
// ctx ends; then it aborts what is left (recorded as dropped), waits for
// the workers and for the journal records, and returns.
func (n *Notifier) Close(ctx context.Context) {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.closed = true
	for _, w := range n.workers {
		w.draining = true
		w.wakeUp()
	}
	n.mu.Unlock()
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		n.mu.Lock()
		for _, w := range n.workers {
			w.retireLocked(nil)
		}
		n.mu.Unlock()
		<-done
	}
	n.rec.close()
}

// Test sends ev to r once, now: no queue, no rate limit, no filter, no
// retry (`reconciler notify test`). ctx bounds it.
func (r Receiver) Test(ctx context.Context, ev Event) error {
	return r.Sender.Send(ctx, newMessage(r.Config.Name, Firing, ev, nil))
}
