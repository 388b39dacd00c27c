package simulate

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
)

// Chart sizes.
const (
	chartWidth  = 10 * vg.Inch
	chartHeight = 3.6 * vg.Inch
	smallHeight = 2.4 * vg.Inch
)

// kindColors are the Okabe-Ito colours, one per kind, the same in every chart.
var kindColors = map[actions.Kind]color.Color{
	actions.SetCredentialMode:   rgb(0xE6, 0x9F, 0x00),
	actions.DeleteNSSnapshot:    rgb(0xD5, 0x5E, 0x00),
	actions.RunPackageRefresh:   rgb(0xCC, 0x79, 0xA7),
	actions.DeletePSSnapshot:    rgb(0x00, 0x72, 0xB2),
	actions.DeletePSStatus:      rgb(0x56, 0xB4, 0xE9),
	actions.UpdateConfiguration: rgb(0x00, 0x9E, 0x73),
	actions.GrantACL:            rgb(0xF0, 0xE4, 0x42),
	actions.ResendStatus:        rgb(0x55, 0x55, 0x55),
}

var (
	lineColor    = rgb(0x1f, 0x3b, 0x73)
	outlineColor = rgb(0x33, 0x33, 0x33) // thin bar outlines, so that the light colours stand out on white
	capColor     = rgb(0xC0, 0x20, 0x20)
	allowShade   = color.NRGBA{R: 0x00, G: 0x9E, B: 0x73, A: 0x30}
	denyShade    = color.NRGBA{R: 0xD5, G: 0x5E, B: 0x00, A: 0x30}
)

func rgb(r, g, b uint8) color.Color { return color.NRGBA{R: r, G: g, B: b, A: 0xff} }

// chart is a plot with its legend, drawn beside it rather than over the data.
type chart struct {
	p      *plot.Plot
	legend plot.Legend
}

// legendWidth is the room at the right of a chart for its legend.
const legendWidth = 2.4 * vg.Inch

// newChart returns a chart with sans-serif text, an hour axis from s.Start
// and a grid.
func newChart(s Series, ylabel string) *chart {
	p := plot.New()
	p.Y.Label.Text = ylabel
	p.X.Label.Text = "virtual time (UTC)"
	p.X.Min, p.X.Max = 0, hoursOf(s.ViewEnd().Sub(s.Start))
	p.X.Tick.Marker = hourTicks{start: s.Start}
	p.Y.Min = 0
	p.Y.Tick.Marker = intTicks{}
	p.Add(plotter.NewGrid())
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.Padding = vg.Points(3)
	leg.TextStyle.Font.Size = vg.Points(10)
	for _, v := range []*font.Variant{
		&p.X.Label.TextStyle.Font.Variant, &p.Y.Label.TextStyle.Font.Variant,
		&p.X.Tick.Label.Font.Variant, &p.Y.Tick.Label.Font.Variant, &leg.TextStyle.Font.Variant,
	} {
		*v = "Sans"
	}
	return &chart{p: p, legend: leg}
}

// render draws the chart as an SVG document of the given size: the plot
// on the left, the legend in a column on its right.
func (c *chart) render(w, h vg.Length) ([]byte, error) {
	cv := vgsvg.New(w, h)
	dc := draw.New(cv)
	c.p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
	c.legend.Draw(draw.Crop(dc, w-legendWidth+vg.Points(12), 0, 0, -vg.Points(8)))
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("render chart: %w", err)
	}
	return b.Bytes(), nil
}

func hoursOf(d time.Duration) float64 { return d.Hours() }

// hourTicks labels an axis of hours since start at steps (10 minutes to
// a week) chosen to give at most ten labels, with a minor tick between.
type hourTicks struct{ start time.Time }

func (h hourTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 168.0
	for _, s := range []float64{1.0 / 6, 0.25, 0.5, 1, 2, 3, 6, 12, 24, 48, 168} {
		if (hi-lo)/s <= 10 {
			step = s
			break
		}
	}
	var out []plot.Tick
	minor := step / 2
	for i := 0; float64(i)*minor <= hi+1e-9; i++ {
		x := float64(i) * minor
		if x < lo-1e-9 {
			continue
		}
		t := plot.Tick{Value: x}
		if i%2 == 0 {
			t.Label = h.label(x, step)
		}
		out = append(out, t)
	}
	return out
}

// intTicks are the default ticks of a count axis, whole numbers only.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value != math.Trunc(t.Value) {
			continue
		}
		if t.Label != "" {
			t.Label = strconv.Itoa(int(t.Value))
		}
		out = append(out, t)
	}
	return out
}

func (h hourTicks) label(x, step float64) string {
	t := h.start.Add(time.Duration(math.Round(x*60)) * time.Minute).UTC()
	if step >= 24 {
		return t.Format("Mon 2 Jan")
	}
	return t.Format("Mon 15:04")
}

// shadeWindows adds one translucent band per open interval of each
// window that names a kind in only (every window when only is empty), up
// to top, with a legend entry per window.
func shadeWindows(c *chart, s Series, top float64, only ...actions.Kind) error {
	for _, w := range s.Windows {
		if len(only) > 0 && !slices.ContainsFunc(only, func(k actions.Kind) bool {
			return slices.Contains(w.Allow, k) || slices.Contains(w.Deny, k)
		}) {
			continue
		}
		shade, what := allowShade, "allow"
		if len(w.Deny) > 0 {
			shade, what = denyShade, "deny"
		}
		var first *plotter.Polygon
		end := s.ViewEnd()
		for _, iv := range w.Open {
			if !iv.From.Before(end) {
				break
			}
			x0, x1 := hoursOf(iv.From.Sub(s.Start)), hoursOf(minTime(iv.To, end).Sub(s.Start))
			poly, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: 0}, {X: x1, Y: 0}, {X: x1, Y: top}, {X: x0, Y: top}})
			if err != nil {
				return fmt.Errorf("window %s: %w", w.Name, err)
			}
			poly.Color = shade
			poly.LineStyle.Width = 0
			c.p.Add(poly)
			if first == nil {
				first = poly
			}
		}
		if first != nil {
			c.legend.Add(fmt.Sprintf("%s (%s window)", w.Name, what), first)
		}
	}
	return nil
}

func kindList(ks []actions.Kind) string {
	var b bytes.Buffer
	for i, k := range ks {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(k))
	}
	return b.String()
}

// stepLine is a post-step line through the points up to ViewEnd, held to
// it.
func stepLine(s Series, pts []Point, c color.Color) (*plotter.Line, float64, error) {
	end := s.ViewEnd()
	xys := make(plotter.XYs, 0, len(pts)+1)
	top, last := 0.0, 0
	for _, pt := range pts {
		if pt.At.After(end) {
			break
		}
		xys = append(xys, plotter.XY{X: hoursOf(pt.At.Sub(s.Start)), Y: float64(pt.Value)})
		top = max(top, float64(pt.Value))
		last = pt.Value
	}
	xys = append(xys, plotter.XY{X: hoursOf(end.Sub(s.Start)), Y: float64(last)})
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, 0, err
	}
	l.StepStyle = plotter.PostStep
	l.Color = c
	l.Width = vg.Points(1.5)
	return l, top, nil
}

// capLine is a dashed horizontal line at a limit's max.
func capLine(s Series, l policy.Limit) (*plotter.Line, error) {
	end := hoursOf(s.ViewEnd().Sub(s.Start))
	line, err := plotter.NewLine(plotter.XYs{{X: 0, Y: float64(l.Max)}, {X: end, Y: float64(l.Max)}})
	if err != nil {
		return nil, err
	}
	line.Color = capColor
	line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	line.Width = vg.Points(1.2)
	return line, nil
}
