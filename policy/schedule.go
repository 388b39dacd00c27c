package policy

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/robfig/cron/v3"

	"github.com/itms-tools/reconciler/schedule"
)

// cronDetail says what a schedule attribute accepts.
const cronDetail = `a cron spec with five fields (minute hour day-of-month month day-of-week), ` +
	`e.g. "*/5 * * * *" or "0 22 * * 1-5", or a descriptor: @hourly, @daily, @weekly, @monthly, @yearly, @every 10m`

var errCronTZ = errors.New("time zones go in the timezone attribute, not in the schedule")

// parseCron parses spec and binds the schedule to loc, so that Next gives
// the same instants whatever the location of the time passed to it, and
// runs a fixed local time once on the days the clocks change (package
// schedule).
func parseCron(spec string, loc *time.Location) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if strings.Contains(spec, "TZ=") {
		return nil, errCronTZ
	}
	if rest, ok := strings.CutPrefix(spec, "@every "); ok {
		if d, err := time.ParseDuration(strings.TrimSpace(rest)); err == nil && d < time.Second {
			return nil, fmt.Errorf("@every needs an interval of at least 1s, got %s", rest)
		}
	}
	s, err := schedule.Parse(spec, loc)
	if err != nil {
		return nil, err
	}
	// A spec such as "0 0 31 2 *" parses but never fires; cron gives up
	// after five years and returns the zero time.
	if s.Next(time.Date(2024, 1, 1, 0, 0, 0, 0, loc)).IsZero() {
		return nil, fmt.Errorf("%q never fires", spec)
	}
	return s, nil
}

// schedule decodes a cron spec attribute bound to loc. It returns the spec
// as written and the parsed schedule, or a nil schedule after reporting.
func (d *decoder) schedule(attrs hcl.Attributes, name string, loc *time.Location) (string, cron.Schedule) {
	var spec string
	a := attr(d, attrs, name, &spec)
	if a == nil {
		return "", nil
	}
	s, err := parseCron(spec, loc)
	if err != nil {
		summary := "Invalid cron schedule"
		if err == errCronTZ {
			summary = "Time zone in cron schedule"
		}
		d.fail(a.Expr.Range(), summary, "Cannot use %q: %s. %s takes %s.", clip(spec), err, name, cronDetail)
		return "", nil
	}
	return spec, s
}
