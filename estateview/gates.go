package estateview

import (
	"slices"
	"sort"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/policy"
)

// maxWindowSteps bounds the cron steps taken to find when a window next
// changes (a window whose starts overlap may never close).
const maxWindowSteps = 10_000

// gates refreshes what the policy and the gates show now. Budgets and the
// breaker come from the controller only once a pass has run: before, its
// gates are not yet rebuilt from the journal.
func (m *model) gates(src Source, now time.Time) {
	p := src.Policy()
	m.est.Mode = string(p.Mode)
	m.est.DryRun = kindNames(p.DryRunKinds)
	m.est.Windows = windowsAt(p.Windows, now)
	m.est.Approved = m.approvedAt(p.Reconcile.ApprovalTTL, now)
	if m.est.LastPass == "" {
		m.est.Budgets = nil
		for _, x := range p.Limits {
			m.est.Budgets = append(m.est.Budgets, Budget{Kind: string(x.Kind), Max: x.Max, Per: x.Per, Used: -1, Remaining: -1})
		}
		return
	}
	var budgets []Budget
	m.est.Breaker, budgets = convertGates(src, now)
	m.est.Budgets = budgets
}

func convertGates(src Source, now time.Time) (guard.BreakerState, []Budget) {
	b, bs := src.Gates(now)
	out := make([]Budget, 0, len(bs))
	for _, x := range bs {
		bu := Budget{Kind: x.Kind, Max: x.Max, Per: x.Per, Remaining: x.Remaining, Used: x.Max - x.Remaining}
		if at, ok := src.Limiter().OldestSpend(actions.Kind(x.Kind), now); ok {
			bu.FreesAt = at.Add(x.Per)
		}
		out = append(out, bu)
	}
	return b, out
}

// approvedAt lists the approvals still in force at now, by id.
func (m *model) approvedAt(ttl time.Duration, now time.Time) []Approved {
	var out []Approved
	for _, a := range m.approved {
		d := now.Sub(a.At)
		if d < 0 {
			d = -d
		}
		if d < ttl {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// windowsAt is each window's state at now and when it next changes.
func windowsAt(ws []policy.Window, now time.Time) []Window {
	out := make([]Window, 0, len(ws))
	for _, w := range ws {
		open, next := WindowState(w, now)
		out = append(out, Window{Name: w.Name, Schedule: w.Schedule, Duration: w.Duration,
			Allow: kindNames(w.Allow), Deny: kindNames(w.Deny), Open: open, Next: next})
	}
	return out
}

// WindowState reports whether w is open at now (guard.Active) and when
// that next changes: the next start when closed; when open, the end of
// the last start's duration, extended by every start before it ends. Zero
// when no change is within maxWindowSteps starts.
func WindowState(w policy.Window, now time.Time) (open bool, next time.Time) {
	loc := w.Location
	if loc == nil {
		loc = time.UTC
	}
	if !guard.Active(w, now) {
		return false, w.Cron.Next(now.In(loc))
	}
	start := w.Cron.Next(now.Add(-w.Duration).In(loc))
	for i := 0; i < maxWindowSteps; i++ {
		n := w.Cron.Next(start)
		if n.IsZero() || n.After(now) {
			break
		}
		start = n
	}
	end := start.Add(w.Duration)
	for i := 0; i < maxWindowSteps; i++ {
		n := w.Cron.Next(start)
		if n.IsZero() || n.After(end) {
			return true, end
		}
		start, end = n, n.Add(w.Duration)
	}
	return true, time.Time{}
}

func kindNames(ks []actions.Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return slices.Clip(out)
}
