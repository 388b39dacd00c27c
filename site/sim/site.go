package sim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim/faults"
	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/site/sim/memory"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// Options configures a site.
type Options struct {
	// Clock tells the site's time. Required: a clock.Fake in tests and in
	// the virtual-time simulator, clock.Real for the demo.
	Clock clock.Clock
	// InScope selects the servers NotReady and Timeline count; nil counts
	// every server.
	InScope func(vocab.Host) bool
	// HideCredentialFacts observes agents as the real driver can: the
	// applied credential and the policy version received are reported
	// unknown (with why), and only KB 179719's evidence shows a credential
	// problem. The site's state and effects (DESIGN §6) do not change.
	HideCredentialFacts bool
	// Want, when set, is the policy's credential: the site then keeps the
	// desired-state timeline (DesiredTimeline) against it.
	Want *vocab.Credential
}

// Why the simulator reports a credential fact unknown with
// Options.HideCredentialFacts, in the words of the real driver's reasons
// (at most 80 bytes: observed clips driver text there).
const (
	hiddenApplied = "hidden by the simulator: a real agent keeps it in its secure storage"
	hiddenVersion = "hidden by the simulator: a real agent exposes no policy version"
)

// Errors an operation can wrap; test with errors.Is.
var (
	// ErrUnreachable: the package server's agent does not answer now.
	ErrUnreachable = errors.New("agent unreachable")
	// ErrCMDBDown: the CMDB does not answer now.
	ErrCMDBDown = errors.New("CMDB unreachable")
	// ErrUnsafePath: an operation would touch a file outside the allowed
	// set, or leave the site folder; it was refused and counted.
	ErrUnsafePath = layout.ErrUnsafePath
)

// Site is a simulated ITMS site. It implements observed.CMDB,
// observed.NSSource, observed.AgentSource and the driver's Apply. It is
// safe for concurrent use: every operation holds one mutex and, on disk,
// the site's file lock.
type Site struct {
	mu       sync.Mutex
	clk      clock.Clock
	w        *world.World // the catalog, the store, the operation's bookkeeping
	inScope  []bool
	timeline []Sample
	last     int
	desired  desiredTrack
	quiet    bool // creating: no timeline samples yet
	notes    []string
	hide     bool // Options.HideCredentialFacts
	created  bool // Open created the site (see Created)
}

var (
	_ observed.CMDB        = (*Site)(nil)
	_ observed.NSSource    = (*Site)(nil)
	_ observed.AgentSource = (*Site)(nil)
)

// Sample is one point of the not-Ready timeline.
type Sample struct {
	At       time.Time
	NotReady int
}

// NewMemory builds a site from a scenario and seed with all its state in
// memory: for `reconciler sim`, tests and benchmarks at millions of pairs.
func NewMemory(sc *scenario.Scenario, seed int64, opt Options) (*Site, error) {
	cat, m, ns, err := prepare(sc, seed, opt)
	if err != nil {
		return nil, err
	}
	s := newSite(cat, m, opt)
	s.w.Store = memory.New(cat, s.inScope, m, ns, s.check)
	if err := s.start(context.Background(), m.Epoch); err != nil {
		return nil, err
	}
	return s, nil
}

// prepare validates the inputs and draws everything a new site needs
// from the seed.
func prepare(sc *scenario.Scenario, seed int64, opt Options) (*world.Catalog, *world.Meta, world.NSSetting, error) {
	if opt.Clock == nil {
		return nil, nil, world.NSSetting{}, errors.New("sim: Options.Clock is required")
	}
	if sc == nil {
		return nil, nil, world.NSSetting{}, errors.New("sim: no scenario")
	}
	cat := world.NewCatalog(sc, seed)
	resolved, err := faults.Resolve(sc, cat, seed)
	if err != nil {
		return nil, nil, world.NSSetting{}, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	m := &world.Meta{
		Scenario: sc.Name, Seed: seed, Epoch: opt.Clock.Now(), Duration: sc.Duration,
		Faults: resolved, Stuck: map[int]bool{}, Applied: map[actions.Kind]int{},
	}
	cred := sc.Credential
	if !cred.Mode.NeedsAccount() {
		cred.Account = ""
	}
	ns := world.NSSetting{Cred: cred, Version: int64(2 + scenario.Rand(seed, scenario.StreamNS).IntN(20))}
	return cat, m, ns, nil
}

func newSite(cat *world.Catalog, m *world.Meta, opt Options) *Site {
	s := &Site{clk: opt.Clock, w: &world.World{Cat: cat, Meta: m, Sched: faults.NewSchedule(m.Faults)},
		hide: opt.HideCredentialFacts, desired: newDesiredTrack(opt.Want, len(cat.Servers))}
	if s.hide {
		s.notes = append(s.notes, "agents observed as on a real site (hide_credential_facts): the applied credential "+
			"and the policy version are unknown; only KB 179719's evidence shows a credential problem")
	}
	s.inScope = make([]bool, len(cat.Servers))
	for i, sv := range cat.Servers {
		s.inScope[i] = opt.InScope == nil || opt.InScope(sv.Name)
	}
	return s
}

// start processes the events due by now (at creation, the faults of time
// 0) and takes the timeline's first sample, at first or, if zero, now.
func (s *Site) start(ctx context.Context, first time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quiet = true
	return s.doLocked(ctx, func(time.Time) error {
		s.quiet = false
		n, err := s.w.Store.NotReady()
		if err != nil {
			return err
		}
		if first.IsZero() {
			first = s.clk.Now()
		}
		s.timeline = []Sample{{At: first, NotReady: n}}
		s.last = n
		s.desired.eventDone()
		return s.desired.sample(s, first)
	})
}

// Close releases the site's files; a memory site has none.
func (s *Site) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Store.Close()
}

// Notes returns what the site noticed when it was opened, such as a
// scenario that differs from the one the disk site was created from.
func (s *Site) Notes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.notes...)
}

// do runs one operation: under the mutex and the store's lock, after the
// events due by now.
func (s *Site) do(ctx context.Context, fn func(now time.Time) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.doLocked(ctx, fn)
}

func (s *Site) doLocked(ctx context.Context, fn func(now time.Time) error) (err error) {
	m, err := s.w.Store.Begin(ctx)
	if err != nil {
		return err
	}
	s.w.Meta = m
	defer func() {
		if e := s.w.Store.End(s.w.Meta); e != nil && err == nil {
			err = e
		}
	}()
	now := s.clk.Now()
	err = s.w.Advance(now, func(at time.Time) error {
		s.desired.eventDone()
		return s.sample(at)
	})
	if err != nil {
		return err
	}
	return fn(now)
}

// sample appends a timeline sample when the not-Ready count changed.
func (s *Site) sample(at time.Time) error {
	if s.quiet {
		return nil
	}
	if err := s.desired.sample(s, at); err != nil {
		return err
	}
	n, err := s.w.Store.NotReady()
	if err != nil {
		return err
	}
	if n != s.last {
		s.timeline = append(s.timeline, Sample{At: at, NotReady: n})
		s.last = n
	}
	return nil
}

// escaped refuses and counts an operation that a symbolic link would lead
// out of the site folder (the disk store's os.Root refused it).
func (s *Site) escaped(op layout.Op, rel string) error {
	if s.w.Meta != nil {
		s.w.Meta.Unsafe++
	}
	return layout.Escaped(op, rel)
}

// check is the one guard of every file operation: it refuses and counts
// anything outside the allowed set.
func (s *Site) check(op layout.Op, rel string) error {
	if err := layout.Check(op, rel); err != nil {
		s.w.Meta.Unsafe++
		return fmt.Errorf("%w: %w", ErrUnsafePath, err)
	}
	return nil
}
