package simulate

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

// Advice reads a run and says, in plain sentences, what held the repair
// back and which knob of the policy would change it, with the run's own
// figures: "delete_ps_snapshot was at its cap (300 per 1h) for 8h: …".
// It is the paragraph at the top of the HTML report and the end of the
// summary on stderr.
func (s Series) Advice() []string {
	var out []string
	took := s.End.Sub(s.Start)
	if !s.ConvergedAt.IsZero() {
		took = s.ConvergedAt.Sub(s.Start)
	}
	for _, l := range s.Limits {
		if a := s.capAdvice(l, took); a != "" {
			out = append(out, a)
		}
	}
	d := s.Deferrals
	if n := d["window"]; n > 0 {
		out = append(out, fmt.Sprintf("%s waited for a maintenance window (%s): the not-Ready chart shows the plateau until the window opens; a longer window, or one that allows the kind, shortens the wait.",
			countActions(n), windowNames(s.Windows)))
	}
	if s.BreakerTrips > 0 || d["breaker"] > 0 {
		reset := "only `reconciler breaker reset` closes it (reconcile.breaker_reset_after is 0)"
		if s.BreakerResetAfter > 0 {
			reset = "it closes after reconcile.breaker_reset_after (" + short(s.BreakerResetAfter) + ") without growth"
		}
		out = append(out, fmt.Sprintf("The circuit breaker tripped %s (not-Ready pairs grew after a pass that acted) and held %s: %s. Look at what made the count grow in the not-Ready chart.",
			times(s.BreakerTrips), countActions(d["breaker"]), reset))
	}
	if n := d["blast_radius"]; n > 0 {
		out = append(out, fmt.Sprintf("reconcile.max_servers_per_pass (%d) held %s for later passes: raise it to repair more servers per pass, at a higher load on the NS.",
			s.MaxServersPerPass, countActions(n)))
	}
	if n := d["approval"]; n > 0 {
		out = append(out, fmt.Sprintf("%s waited for approval (approve = %s): nobody approves during a simulation, so they show what waits for a person.",
			countActions(n), kindList(s.Approve)))
	}
	if n := d["mode"]; n > 0 {
		out = append(out, fmt.Sprintf("%s were skipped by dry-run (mode or dry_run_kinds): nothing of theirs was applied.", countActions(n)))
	}
	return append(out, s.outcomeAdvice(took, len(out) == 0)...)
}

// capAdvice speaks of a limit whose budget sat at its cap for a good part
// of the repair: how long, and how long its actions need at this cap and
// at twice it.
func (s Series) capAdvice(l policy.Limit, took time.Duration) string {
	at := s.atCap(l)
	n := len(s.Applied[l.Kind])
	if at < l.Per || at*4 < took || l.Max <= 0 {
		return ""
	}
	// n actions at max per window fill ⌈n/max⌉ windows: the last batch
	// starts that many windows less one after the first.
	need := func(max int) time.Duration { return time.Duration((n+max-1)/max-1) * l.Per }
	return fmt.Sprintf("%s was at its cap (%d per %s) for %s of the run: its %s applied actions span about %s at this cap; %d per %s would take about %s (and twice the peak load).",
		l.Kind, l.Max, short(l.Per), short(at), thousands(n), short(need(l.Max)), 2*l.Max, short(l.Per), short(need(2*l.Max)))
}

// atCap is how long the rolling use of a limited kind stood at its cap,
// up to ViewEnd.
func (s Series) atCap(l policy.Limit) time.Duration {
	pts := s.Budget(l)
	end := s.ViewEnd()
	var total time.Duration
	for i, p := range pts {
		if p.Value < l.Max || !p.At.Before(end) {
			continue
		}
		next := end
		if i+1 < len(pts) && pts[i+1].At.Before(end) {
			next = pts[i+1].At
		}
		total += next.Sub(p.At)
	}
	return total
}

// outcomeAdvice says how the run ended; quiet is set when nothing held
// the repair back.
func (s Series) outcomeAdvice(took time.Duration, quiet bool) []string {
	switch {
	case s.ConvergedAt.IsZero():
		line := fmt.Sprintf("The site did not converge within %s: %s not Ready at the end.", short(s.End.Sub(s.Start)), countOf(s.NotReadyAtEnd, "pair"))
		if s.Failed > 0 {
			line += fmt.Sprintf(" %s failed (report: failed).", countActions(s.Failed))
		}
		return []string{line}
	case quiet:
		return []string{fmt.Sprintf("Nothing held the repair back: the site converged after %s, at the pace of the schedule (%s).", short(took), s.Schedule)}
	}
	return nil
}

func windowNames(ws []WindowSpan) string {
	var names []string
	for _, w := range ws {
		names = append(names, w.Name)
	}
	if len(names) == 0 {
		return "none defined"
	}
	return strings.Join(names, ", ")
}

func countActions(n int) string { return countOf(n, "action") }

func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + vocab.Plural(noun)
}

func times(n int) string {
	switch n {
	case 0:
		return "no time"
	case 1:
		return "once"
	}
	return strconv.Itoa(n) + " times"
}

// thousands writes n with commas: 119600 → 119,600.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// short renders a duration without zero units: 8h, 1h30m, 45m, 90s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
