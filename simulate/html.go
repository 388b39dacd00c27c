package simulate

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
)

//go:embed report.html.tmpl
var reportHTML string

var reportTmpl = template.Must(template.New("report").Parse(reportHTML))

// htmlPage is what the template shows.
type htmlPage struct {
	Report  Report
	Verdict string
	OK      bool
	Advice  []string
	Rows    []htmlRow
	Summary string
	Figures []htmlFigure
}

type htmlRow struct {
	Name, Value string
	Bad         bool
	// Note explains the value, under it.
	Note string
}

// deferralsNote explains the deferrals row of the report.
const deferralsNote = "An action is counted each time it becomes held, and again when another class of rule holds it, " +
	"not at every pass it waits. limit: over its kind's budget; window: outside an allow window or inside a deny window; " +
	"dependency: waits for an earlier action that was held; approval: waits for reconciler approve; " +
	"blast_radius: beyond max_servers_per_pass; breaker: enforcement paused; mode: dry-run; scope: out of scope; " +
	"after: an earlier action on the same server failed."

type htmlFigure struct {
	Title, Caption string
	SVG            template.HTML
}

// WriteHTML writes a self-contained HTML page of the result: a verdict, a
// table of the report, the scenario and the charts as inline SVG. It needs
// no external asset and no script. The same result gives the same bytes.
func WriteHTML(w io.Writer, res Result) error {
	figs, err := res.Series.Figures()
	if err != nil {
		return err
	}
	page := htmlPage{Report: res.Report, Rows: rows(res.Report, res.Series), Summary: res.Series.Summary,
		Advice: res.Series.Advice()}
	page.OK, page.Verdict = verdict(res.Report)
	for _, f := range figs {
		page.Figures = append(page.Figures, htmlFigure{Title: f.Title, Caption: f.Caption, SVG: inlineSVG(f.SVG)})
	}
	var b bytes.Buffer
	if err := reportTmpl.Execute(&b, page); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	_, err = b.WriteTo(w)
	return err
}

// verdict is the one-line answer at the top of the page.
func verdict(r Report) (bool, string) {
	ok := r.Converged && r.LimitViolations == 0 && r.UnsafePathsTouched == 0 && r.AuditChainValid
	switch {
	case r.Converged && r.ConvergedAfter != nil:
		return ok, fmt.Sprintf("Converged after %s of %s: every pair in scope Ready from then to the end.", *r.ConvergedAfter, r.Duration)
	default:
		return false, fmt.Sprintf("Not converged within %s: %d pairs in scope not Ready at the end.", r.Duration, r.NotReadyAtEnd)
	}
}

// rows lays the report out as a table, in the report's field order.
func rows(r Report, s Series) []htmlRow {
	after := "not converged"
	if r.ConvergedAfter != nil {
		after = *r.ConvergedAfter
	}
	return []htmlRow{
		{Name: "scenario", Value: r.Scenario},
		{Name: "converged", Value: fmt.Sprint(r.Converged), Bad: !r.Converged},
		{Name: "converged_after", Value: after},
		{Name: "not_ready_at_end", Value: fmt.Sprint(r.NotReadyAtEnd), Bad: r.NotReadyAtEnd > 0},
		{Name: "actions", Value: counts(r.Actions)},
		{Name: "max_in_window", Value: counts(r.MaxInWindow)},
		{Name: "limit_violations", Value: fmt.Sprint(r.LimitViolations), Bad: r.LimitViolations > 0},
		{Name: "unsafe_paths_touched", Value: fmt.Sprint(r.UnsafePathsTouched), Bad: r.UnsafePathsTouched > 0},
		{Name: "audit_chain_valid", Value: fmt.Sprint(r.AuditChainValid), Bad: !r.AuditChainValid},
		{Name: "seed", Value: fmt.Sprint(r.Seed)},
		{Name: "start", Value: r.Start},
		{Name: "duration", Value: r.Duration},
		{Name: "schedule", Value: s.Schedule},
		{Name: "passes", Value: fmt.Sprint(r.Passes)},
		{Name: "deferrals", Value: counts(r.Deferrals), Note: deferralsNote},
		{Name: "failed", Value: counts(r.Failed)},
		{Name: "global_actions", Value: fmt.Sprint(r.GlobalActions)},
		{Name: "rejected_rows", Value: fmt.Sprint(r.RejectedRows)},
		{Name: "escalations", Value: counts(r.Escalations), Note: "rung climbed to: 1 Procedure 1, 2 Procedure 2, 3 stalled"},
		{Name: "stalled", Value: stalledList(r.Stalled), Bad: len(r.Stalled) > 0},
		{Name: "attempts", Value: counts(r.Attempts)},
	}
}

// stalledList renders the stalled servers, or "none".
func stalledList(hs []string) string {
	if len(hs) == 0 {
		return "none"
	}
	return strings.Join(hs, ", ")
}

// counts renders a map as "k 3, l 0" in key order, non-zero first.
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if (m[a] == 0) != (m[b] == 0) {
			if m[a] == 0 {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// inlineSVG drops the XML prolog and comment of a standalone SVG document
// so that it can sit inside HTML.
func inlineSVG(doc []byte) template.HTML {
	s := string(doc)
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return template.HTML(s) //nolint:gosec // generated by gonum/plot from numbers and our own labels, escaped by vgsvg
}
