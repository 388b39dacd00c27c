package controller

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/vocab"
)

// maxDebugHolds bounds the held actions a debug log lists per pass.
const maxDebugHolds = 20

// logPass writes the daemon's one line per pass, for people reading the
// log: "pass 3: 25 applied, 0 held; 12 pairs not Ready; next at 03:16",
// and at debug level what the pass saw, planned and held.
func (c *Controller) logPass(res PassResult) {
	now := c.clock.Now()
	p := c.Policy()
	next := c.nextWake(now, p.Reconcile.Cron.Next(now))
	c.mu.Lock()
	n := c.passes
	c.mu.Unlock()
	loc := p.Reconcile.Location
	if loc == nil {
		loc = time.UTC
	}
	at := next.In(loc).Format("15:04")
	if next.Sub(now) >= 24*time.Hour {
		at = next.In(loc).Format("2006-01-02 15:04")
	}
	lvl, msg := passLine(n, res, c.Report(), c.Policy().Reconcile.PendingGrace)
	c.log.Log(context.Background(), lvl, msg+"; next at "+at, "pass", res.ID, "plan", res.Plan.ID,
		"duration", res.End.Sub(res.Start).Round(time.Millisecond).String())
	if c.log.Enabled(context.Background(), slog.LevelDebug) {
		c.debugPass(res)
	}
}

// passLine is the level and text of a pass's log line, without its
// next time; rep is the health view after the pass (the latest read).
func passLine(n int, res PassResult, rep *health.Report, grace time.Duration) (slog.Level, string) {
	switch {
	case res.Err != nil:
		return slog.LevelError, fmt.Sprintf("pass %d failed: %v", n, res.Err)
	case res.Obs != nil && res.Obs.CMDBErr != nil:
		return slog.LevelWarn, fmt.Sprintf("pass %d: CMDB not read, nothing planned: %v", n, res.Obs.CMDBErr)
	case res.Obs != nil && res.Obs.NSErr != nil:
		return slog.LevelWarn, fmt.Sprintf("pass %d: NS not read, nothing planned: %v", n, res.Obs.NSErr)
	case !res.Leader:
		return slog.LevelInfo, fmt.Sprintf("pass %d (follower: observing only, another reconciler acts): %s planned, %s",
			n, vocab.Count(len(res.Plan.Actions), "action"), notReadyText(res, rep, grace))
	}
	applied, held, failed := 0, 0, 0
	for _, s := range res.Exec.Steps {
		switch s.Outcome {
		case actions.Applied:
			applied++
		case actions.Deferred, actions.Skipped:
			held++
		case actions.Failed:
			failed++
		}
	}
	line := fmt.Sprintf("pass %d: %d applied, %d held", n, applied, held)
	if failed > 0 {
		line += fmt.Sprintf(", %d failed", failed)
	}
	lvl := slog.LevelInfo
	if failed > 0 {
		lvl = slog.LevelWarn
	}
	return lvl, line + "; " + notReadyText(res, rep, grace)
}

// notReadyText counts the pairs not Ready at the latest read: the health
// view's (read again after actions, see Options.ReadAfterApply), else the
// pass's observation.
func notReadyText(res PassResult, rep *health.Report, grace time.Duration) string {
	switch {
	case rep != nil && rep.CMDBError == "":
		return vocab.Count(rep.Totals.NotReady, "pair") + " not Ready"
	case res.Obs != nil:
		return vocab.Count(actionable(res.Obs, res.Start, grace), "pair") + " not Ready"
	}
	return "nothing observed"
}

// debugPass logs what a pass saw, what it planned per kind, and why
// actions were held (the first maxDebugHolds).
func (c *Controller) debugPass(res PassResult) {
	ctx := context.Background()
	if o := res.Obs; o != nil {
		c.log.DebugContext(ctx, "pass observed", "pass", res.ID, "pairs", len(o.Pairs()),
			"servers_in_question", len(o.ServersInQuestion()), "servers_listed", len(o.Servers()),
			"agents_observed", len(o.Agents()), "ns_snapshots", len(o.Snapshots()), "rejected", len(o.Rejects))
	}
	var kinds []string
	for k, n := range res.Plan.Counts() {
		if n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
		}
	}
	c.log.DebugContext(ctx, "pass planned", "pass", res.ID, "plan", res.Plan.ID, "actions", len(res.Plan.Actions),
		"by_kind", strings.Join(slices.Sorted(slices.Values(kinds)), " "), "notes", len(res.Plan.Notes))
	shown := 0
	for _, a := range res.Plan.Actions {
		s, ok := res.Exec.Steps[a.ID]
		if !ok || s.Rule() == "" || shown == maxDebugHolds {
			continue
		}
		shown++
		c.log.DebugContext(ctx, "action held", "pass", res.ID, "action", a.ID, "outcome", string(s.Outcome), "rule", s.Rule())
	}
}
