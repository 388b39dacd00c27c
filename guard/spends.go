package guard

import (
	"time"

	"github.com/itms-tools/reconciler/actions"
)

// OldestSpend returns the oldest spend of k that still counts at now: the
// budget frees one unit at OldestSpend + the limit's Per. ok is false when
// k is unlimited or nothing of it counts. It only reads (for the console).
func (l *Limiter) OldestSpend(k actions.Kind, now time.Time) (at time.Time, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	x, limited := l.limits[k]
	if !limited {
		return time.Time{}, false
	}
	from := now.Add(-x.Per)
	for _, t := range l.spends[k] {
		if t.After(from) && (!ok || t.Before(at)) {
			at, ok = t, true
		}
	}
	return at, ok
}
