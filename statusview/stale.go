package statusview

import (
	"fmt"
	"io"
	"time"

	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/vocab"
)

// Stale is the JSON of a status that could not read the site: why, and
// the last known state the journal holds (nil when it holds none).
type Stale struct {
	Reason    string     `json:"reason"`
	LastKnown *LastKnown `json:"last_known,omitempty"`
}

// LastKnown is the last observation a daemon's pass recorded.
type LastKnown struct {
	Pass         string                       `json:"pass,omitempty"`
	At           time.Time                    `json:"at"`
	Confirmed    time.Time                    `json:"confirmed,omitzero"`
	FailingSince time.Time                    `json:"failing_since,omitzero"`
	FailError    string                       `json:"fail_error,omitempty"`
	Observation  controller.ObservationDetail `json:"observation"`
}

// NewStale builds the JSON of a stale status.
func NewStale(reason string, lk controller.LastKnown, ok bool) Stale {
	s := Stale{Reason: reason}
	if ok {
		s.LastKnown = &LastKnown{Pass: lk.Pass, At: lk.At, Confirmed: lk.Confirmed, FailingSince: lk.FailingSince,
			FailError: lk.FailError, Observation: lk.Detail}
	}
	return s
}

// Report rebuilds a health report from the last known state: the servers
// that were not healthy, each with its four conditions (those recorded,
// and True for the others).
func Report(lk controller.LastKnown) health.Report {
	d := lk.Detail
	r := health.Report{SchemaVersion: health.SchemaVersion, At: lk.At, Servers: []health.ServerHealth{}, ServersListed: true}
	if d.NS != nil {
		r.NS = *d.NS
	}
	if d.Totals != nil {
		r.Totals = *d.Totals
	}
	for _, s := range d.Unhealthy {
		full := health.ServerHealth{Name: s.Name, NotReady: s.NotReady, InGrace: s.InGrace, Counts: map[string]int{}}
		for _, t := range health.ConditionTypes {
			c, ok := s.Condition(t)
			if !ok {
				c = health.Condition{Type: t, Status: health.True}
			}
			full.Conditions = append(full.Conditions, c)
		}
		r.Servers = append(r.Servers, full)
	}
	return r
}

// RenderStale writes what `status` shows when the site cannot be read
// now: why, then the last known state — when it was observed and last
// confirmed, the not-healthy servers' table and problems, the totals —
// or that the journal holds none.
func RenderStale(w io.Writer, now time.Time, reason string, lk controller.LastKnown, ok bool, opt health.TableOptions) error {
	fmt.Fprintf(w, "Site health at %s: the site cannot be read now: %s\n", now.UTC().Format(time.RFC3339), vocab.Printable(reason))
	if !ok {
		_, err := fmt.Fprintf(w, "No last known state: the journal holds no observation of a daemon's pass yet "+
			"(start the daemon, `reconciler run`, or check audit.path in the policy).\n")
		return err
	}
	seen := lk.At
	if lk.Confirmed.After(seen) {
		seen = lk.Confirmed
	}
	fmt.Fprintf(w, "STALE: the last known state, as the daemon's pass %s observed it at %s and last confirmed at %s (%s ago).\n",
		orDash(lk.Pass), stamp(lk.At), stamp(seen), age(now.Sub(seen)))
	if !lk.FailingSince.IsZero() {
		fmt.Fprintf(w, "The daemon's reads have failed since %s: %s\n", stamp(lk.FailingSince), vocab.Printable(lk.FailError))
	}
	fmt.Fprintln(w)
	rep := Report(lk)
	if err := health.RenderTable(w, rep, opt); err != nil {
		return err
	}
	d := lk.Detail
	if n := rep.Totals.Servers - len(rep.Servers); n > 0 {
		fmt.Fprintf(w, "Listed: the servers that were not healthy; %s not listed (%d healthy, %d not observed by that pass, %d beyond the list).\n",
			vocab.Count(n, "server"), rep.Totals.Healthy, d.NotObserved, d.More)
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// age is a duration for people: seconds under a minute, then minutes,
// hours and minutes, days and hours.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
