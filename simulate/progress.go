package simulate

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/clock"
)

// Progress tells a person that a long simulation is moving: a line on W
// at each tenth of the virtual time, once the run has taken After of wall
// time, so that a run of a few seconds prints nothing. W is stderr: the
// report keeps stdout.
type Progress struct {
	W     io.Writer
	Wall  clock.Clock // the wall clock
	After time.Duration
	// Start and End are the simulated span.
	Start, End time.Time

	began time.Time
	next  int // the next tenth to print
}

// Update is called with the virtual time after each wake of the loop
// (Options.Progress).
func (p *Progress) Update(at time.Time) {
	now := p.Wall.Now()
	if p.began.IsZero() {
		p.began, p.next = now, 1
	}
	span := p.End.Sub(p.Start)
	if span <= 0 || now.Sub(p.began) < p.After {
		return
	}
	tenth := int(10 * at.Sub(p.Start) / span)
	if tenth < p.next || tenth >= 10 {
		return
	}
	p.next = tenth + 1
	fmt.Fprintf(p.W, "sim: %d%% (%s of %s virtual time), %s so far\n", 10*tenth, short(at.Sub(p.Start).Truncate(time.Minute)),
		short(span), now.Sub(p.began).Round(time.Second))
}

// Summary is the run in a few lines for people: the outcome, the actions,
// what held them, the safety figures, then the advice (Series.Advice).
func Summary(res Result) string {
	r := res.Report
	var b strings.Builder
	outcome := fmt.Sprintf("did not converge: %s not Ready at the end", countOf(r.NotReadyAtEnd, "pair"))
	if r.Converged && r.ConvergedAfter != nil {
		d, _ := time.ParseDuration(*r.ConvergedAfter)
		outcome = "converged after " + short(d)
	}
	dur, _ := time.ParseDuration(r.Duration)
	fmt.Fprintf(&b, "sim: %s %s of %s (%s).\n", r.Scenario, outcome, short(dur), countOf(r.Passes, "pass"))
	total := 0
	for _, n := range r.Actions {
		total += n
	}
	fmt.Fprintf(&b, "  applied: %s%s\n", countActions(total), nonZero(r.Actions))
	held := 0
	for _, n := range r.Deferrals {
		held += n
	}
	fmt.Fprintf(&b, "  held: %s%s\n", countActions(held), nonZero(r.Deferrals))
	failed := 0
	for _, n := range r.Failed {
		failed += n
	}
	chain := "journal chain valid"
	if !r.AuditChainValid {
		chain = "JOURNAL CHAIN BROKEN"
	}
	fmt.Fprintf(&b, "  %s failed, %s over a limit, %s touched, %s.\n", countActions(failed),
		countActions(r.LimitViolations), countOf(r.UnsafePathsTouched, "unsafe path"), chain)
	for _, a := range res.Series.Advice() {
		fmt.Fprintf(&b, "  %s\n", a)
	}
	return b.String()
}

// nonZero lists a map's non-zero counts, largest first: " (limit 2,200,
// dependency 40)"; "" when there is none.
func nonZero(m map[string]int) string {
	var keys []string
	for k, n := range m {
		if n > 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + thousands(m[k])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
