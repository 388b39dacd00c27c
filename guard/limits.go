package guard

import (
	"fmt"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
)

// Limiter keeps rolling-window budgets per kind. A spend counts while it is
// younger than the limit's window; a spend stamped after now (the clock
// went back, or a journal from the future) counts too, so moving the clock
// never grants budget.
type Limiter struct {
	mu     sync.Mutex
	limits map[actions.Kind]policy.Limit
	spends map[actions.Kind][]time.Time
}

// NewLimiter returns a limiter with no spends.
func NewLimiter(ls []policy.Limit) *Limiter {
	l := &Limiter{limits: map[actions.Kind]policy.Limit{}, spends: map[actions.Kind][]time.Time{}}
	for _, x := range ls {
		l.limits[x.Kind] = x
	}
	return l
}

// Limit returns the limit of a kind.
func (l *Limiter) Limit(k actions.Kind) (policy.Limit, bool) {
	x, ok := l.limits[k]
	return x, ok
}

// Record counts one action of kind k started at.
func (l *Limiter) Record(k actions.Kind, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.limits[k]; !ok {
		return
	}
	l.spends[k] = append(l.spends[k], at)
}

// Exhaust spends the whole budget of k at time at: used when the journal
// that budgets are rebuilt from cannot be read.
func (l *Limiter) Exhaust(k actions.Kind, at time.Time) {
	x, ok := l.limits[k]
	if !ok {
		return
	}
	for range x.Max {
		l.Record(k, at)
	}
}

// Used returns how many spends of k count at now, and forgets spends that
// can no longer count.
func (l *Limiter) Used(k actions.Kind, now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	x, ok := l.limits[k]
	if !ok {
		return 0
	}
	from := now.Add(-x.Per)
	keep := l.spends[k][:0]
	for _, t := range l.spends[k] {
		if t.After(from) {
			keep = append(keep, t)
		}
	}
	l.spends[k] = keep
	return len(keep)
}

// Remaining returns the budget left for k at now; -1 when k is unlimited.
func (l *Limiter) Remaining(k actions.Kind, now time.Time) int {
	x, ok := l.limits[k]
	if !ok {
		return -1
	}
	return max(0, x.Max-l.Used(k, now))
}

// limitDetail names a limit as a hold's detail ("delete_ns_snapshot 20/1h0m0s").
func limitDetail(x policy.Limit) string {
	return fmt.Sprintf("%s %d/%s", x.Kind, x.Max, x.Per)
}

// Reconfigure replaces the limits (a policy reload), keeping every spend
// of the kinds still limited.
func (l *Limiter) Reconfigure(ls []policy.Limit) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limits = map[actions.Kind]policy.Limit{}
	for _, x := range ls {
		l.limits[x.Kind] = x
	}
}
