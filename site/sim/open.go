package sim

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/itms-tools/reconciler/site/sim/disk"
	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

// Open opens the disk-backed site in dir, creating it from sc and seed
// when dir is missing or empty (lock files aside). An existing site is
// reused as it is: sc and seed are then ignored, and a mismatch is
// reported in Notes.
func Open(ctx context.Context, dir string, sc *scenario.Scenario, seed int64, opt Options) (*Site, error) {
	if opt.Clock == nil {
		return nil, errors.New("sim: Options.Clock is required")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open site: %w", err)
	}
	fresh, err := disk.Fresh(dir)
	if err != nil {
		return nil, fmt.Errorf("open site: %w", err)
	}
	if fresh {
		return create(ctx, dir, sc, seed, opt)
	}
	return reopen(ctx, dir, sc, seed, opt)
}

func create(ctx context.Context, dir string, sc *scenario.Scenario, seed int64, opt Options) (*Site, error) {
	if sc != nil && sc.Servers*sc.Packages > disk.MaxPairs {
		return nil, fmt.Errorf("create site: %d pairs is more than the disk site's %d; use the memory site", sc.Servers*sc.Packages, disk.MaxPairs)
	}
	cat, m, ns, err := prepare(sc, seed, opt)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create site: %w", err)
	}
	s := newSite(cat, m, opt)
	st, err := disk.New(dir, cat, s.inScope, disk.Guard{Check: s.check, Escape: s.escaped})
	if err != nil {
		return nil, err
	}
	s.w.Store = st
	if err := st.WriteHealthy(ctx, m, ns); err != nil {
		st.Close()
		return nil, fmt.Errorf("create site in %s: %w", dir, err)
	}
	if err := s.start(ctx, m.Epoch); err != nil {
		st.Close()
		return nil, fmt.Errorf("create site in %s: %w", dir, err)
	}
	s.created = true
	return s, nil
}

func reopen(ctx context.Context, dir string, sc *scenario.Scenario, seed int64, opt Options) (*Site, error) {
	if _, err := os.Stat(filepath.Join(dir, layout.SiteFile)); err != nil {
		return nil, fmt.Errorf("open site: %s is not empty and holds no %s: not a simulated site (if a creation was cut short, remove the folder)", dir, layout.SiteFile)
	}
	st, err := disk.New(dir, nil, nil, disk.Guard{Check: layout.Check, Escape: layout.Escaped})
	if err != nil {
		return nil, err
	}
	m, err := st.Begin(ctx)
	if err == nil {
		err = st.End(m)
	}
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("open site %s: %w", dir, err)
	}
	s := newSite(st.Catalog(), m, opt)
	st.Attach(s.inScope, disk.Guard{Check: s.check, Escape: s.escaped})
	s.w.Store = st
	if sc != nil && (sc.Name != m.Scenario || seed != m.Seed) {
		s.notes = append(s.notes, fmt.Sprintf("site %s was created from scenario %q seed %d; scenario %q seed %d ignored",
			dir, m.Scenario, m.Seed, sc.Name, seed))
	}
	if err := s.start(ctx, time.Time{}); err != nil {
		st.Close()
		return nil, fmt.Errorf("open site %s: %w", dir, err)
	}
	return s, nil
}
