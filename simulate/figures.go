package simulate

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Figure is one chart of the HTML report: an SVG document and a caption.
type Figure struct {
	Title   string
	Caption string
	SVG     []byte
}

// Figures renders the report's charts: not-Ready pairs with the windows
// shaded, applied actions per hour by kind, and the budget use of each
// limited kind against its cap.
func (s Series) Figures() ([]Figure, error) {
	var out []Figure
	f, err := s.notReadyFigure()
	if err != nil {
		return nil, err
	}
	out = append(out, f)
	if f, err = s.perHourFigure(); err != nil {
		return nil, err
	}
	out = append(out, f)
	for i := range s.Limits {
		f, err := s.budgetFigure(i)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func (s Series) notReadyFigure() (Figure, error) {
	const title = "Not-Ready pairs in scope"
	c := newChart(s, "pairs not Ready")
	pts := make([]Point, len(s.NotReady))
	for i, x := range s.NotReady {
		pts[i] = Point{At: x.At, Value: x.NotReady}
	}
	if len(pts) == 0 {
		pts = []Point{{At: s.Start}}
	}
	line, top, err := stepLine(s, pts, lineColor)
	if err != nil {
		return Figure{}, fmt.Errorf("not-Ready chart: %w", err)
	}
	top = max(top*1.08, 1)
	if err := shadeWindows(c, s, top); err != nil {
		return Figure{}, err
	}
	c.p.Add(line)
	c.legend.Add("not-Ready pairs", line)
	c.p.Y.Max = top
	svg, err := c.render(chartWidth, chartHeight)
	return Figure{Title: title, SVG: svg, Caption: "Pairs (package server, package) in scope whose CMDB row is not " +
		"Ready at the package version, over virtual time." + windowsCaption(s.Windows) + s.viewNote()}, err
}

func (s Series) perHourFigure() (Figure, error) {
	const title = "Applied actions per hour, by kind"
	c := newChart(s, "actions applied in the hour")
	hours := s.PerHour()
	n := 0
	for _, c := range hours {
		n = max(n, len(c))
	}
	width := vg.Length(float64(chartWidth-legendWidth) * 0.85 / float64(max(n, 1)) * 0.75)
	var below *plotter.BarChart
	top := 0.0
	totals := make([]float64, n)
	for _, k := range s.kindsApplied() {
		vals := make(plotter.Values, n)
		for i, v := range hours[k] {
			vals[i] = float64(v)
			totals[i] += float64(v)
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return Figure{}, fmt.Errorf("actions chart: %w", err)
		}
		bars.Color = kindColors[k]
		bars.LineStyle.Width = vg.Points(0.4)
		bars.LineStyle.Color = outlineColor
		bars.XMin = 0.5
		if below != nil {
			bars.StackOn(below)
		}
		below = bars
		c.p.Add(bars)
		c.legend.Add(string(k), bars)
	}
	for _, t := range totals {
		top = max(top, t)
	}
	c.p.Y.Max = max(top*1.08, 1)
	svg, err := c.render(chartWidth, chartHeight)
	return Figure{Title: title, SVG: svg,
		Caption: "Each bar is one hour from the start; actions applied in it, stacked by kind." + s.viewNote()}, err
}

func (s Series) budgetFigure(i int) (Figure, error) {
	l := s.Limits[i]
	title := fmt.Sprintf("Budget use: %s (max %d per %s)", l.Kind, l.Max, l.Per)
	c := newChart(s, "actions in the rolling window")
	line, top, err := stepLine(s, s.Budget(l), kindColors[l.Kind])
	if err != nil {
		return Figure{}, fmt.Errorf("budget chart %s: %w", l.Kind, err)
	}
	capL, err := capLine(s, l)
	if err != nil {
		return Figure{}, fmt.Errorf("budget chart %s: %w", l.Kind, err)
	}
	if err := shadeWindows(c, s, max(top, float64(l.Max))*1.15, l.Kind); err != nil {
		return Figure{}, err
	}
	c.p.Add(capL, line)
	c.legend.Add(fmt.Sprintf("applied in the last %s", l.Per), line)
	c.legend.Add(fmt.Sprintf("cap %d", l.Max), capL)
	c.p.Y.Max = max(top, float64(l.Max)) * 1.15
	svg, err := c.render(chartWidth, smallHeight)
	return Figure{Title: title, SVG: svg,
		Caption: fmt.Sprintf("How many %s actions count against the limit at each time (rolling %s window), against its cap.", l.Kind, l.Per)}, err
}

// viewNote says where the time axis ends, when it ends before the run.
func (s Series) viewNote() string {
	end := s.ViewEnd()
	if !end.Before(s.End) {
		return ""
	}
	return fmt.Sprintf(" The time axis ends at %s, after the site converged (at %s); nothing changes from then to the end of the run (%s).",
		short(end.Sub(s.Start)), short(s.ConvergedAt.Sub(s.Start)), short(s.End.Sub(s.Start)))
}

// windowsCaption says what the shaded bands are.
func windowsCaption(ws []WindowSpan) string {
	if len(ws) == 0 {
		return " The policy has no maintenance window."
	}
	var b strings.Builder
	b.WriteString(" Shaded: the policy's windows while open")
	for i, w := range ws {
		sep := ";"
		if i == 0 {
			sep = ":"
		}
		if len(w.Deny) > 0 {
			fmt.Fprintf(&b, "%s %s denies %s", sep, w.Name, kindList(w.Deny))
		} else {
			fmt.Fprintf(&b, "%s %s allows %s", sep, w.Name, kindList(w.Allow))
		}
	}
	b.WriteString(".")
	return b.String()
}
