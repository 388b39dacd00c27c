package controller

import (
	"encoding/json"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/health"
)

// MaxObservedServers bounds the servers an observation record lists: the
// first not-healthy servers by name; ObservationDetail.More counts the
// others.
const MaxObservedServers = 100

// ObservationDetail is the Detail of an observation record: what a leader
// pass observed, compactly — whether the site could be read and why not,
// the totals, and the servers that were not healthy. A pass writes one
// when it differs from the last written (so a steady estate writes one),
// and every new journal segment carries the last (CarriedState), so
// `reconciler status` can show the last known state while the CMDB cannot
// be read.
type ObservationDetail struct {
	OK        bool             `json:"ok"`
	CMDBError string           `json:"cmdb_error,omitempty"`
	NSError   string           `json:"ns_error,omitempty"`
	NS        *health.NSHealth `json:"ns,omitempty"`
	Totals    *health.Totals   `json:"totals,omitempty"`
	// Unhealthy are the servers in scope with a condition False, or
	// Unknown for a reason other than not being observed, by name, each
	// with only its conditions that are not True. NotObserved counts the
	// servers whose only conditions not True were not observed (a pass
	// calls the agents of servers in question only).
	Unhealthy   []health.ServerHealth `json:"unhealthy,omitempty"`
	More        int                   `json:"more,omitempty"`
	NotObserved int                   `json:"not_observed,omitempty"`
}

// LastKnown is the last state a leader observed, as the journal keeps it.
type LastKnown struct {
	// Detail is the last observation that read the site (OK).
	Detail ObservationDetail
	// At is when it was recorded (the state first looked so); Confirmed
	// the end of the last pass that read the site after it and found it
	// unchanged (zero when none did yet).
	At, Confirmed time.Time
	Pass          string
	// FailingSince is set while the last observation recorded failed:
	// when the failures began, and the error.
	FailingSince time.Time
	FailError    string
}

// observationOf summarises a pass's observation and report.
func observationOf(res PassResult, rep *health.Report) ObservationDetail {
	var d ObservationDetail
	if o := res.Obs; o != nil {
		if o.CMDBErr != nil {
			d.CMDBError = o.CMDBErr.Error()
		}
		if o.NSErr != nil {
			d.NSError = o.NSErr.Error()
		}
	}
	d.OK = res.Obs != nil && d.CMDBError == "" && d.NSError == ""
	if !d.OK || rep == nil {
		return d
	}
	ns, totals := rep.NS, rep.Totals
	d.NS, d.Totals = &ns, &totals
	for _, s := range rep.Servers {
		if s.Healthy() {
			continue
		}
		if onlyNotObserved(s) {
			d.NotObserved++
			continue
		}
		if len(d.Unhealthy) == MaxObservedServers {
			d.More++
			continue
		}
		d.Unhealthy = append(d.Unhealthy, compactServer(s))
	}
	return d
}

// observationKey is what decides whether an observation changed: whether
// the site was read, the NS setting, the totals but the pair counts by
// status, and each listed server's condition statuses and reasons and its
// counts — not the wording of messages, nor the pair counts, which differ
// between a pass that read the server list and one that did not.
func observationKey(d ObservationDetail) string {
	type cond struct{ T, S, R string }
	type server struct {
		Name          string
		Conds         []cond
		NotReady, Grc int
	}
	k := struct {
		OK                bool
		CMDBErr, NSErr    string
		NS                *health.NSHealth
		Servers, Healthy  int
		NotReady, InGrace int
		Rejects, Out      int
		List              []server
		More, NotObserved int
	}{OK: d.OK, CMDBErr: d.CMDBError, NSErr: d.NSError, NS: d.NS, List: []server{}, More: d.More, NotObserved: d.NotObserved}
	if t := d.Totals; t != nil {
		k.Servers, k.Healthy, k.NotReady, k.InGrace, k.Rejects, k.Out = t.Servers, t.Healthy, t.NotReady, t.InGrace, t.Rejects, t.OutOfScope
	}
	for _, s := range d.Unhealthy {
		sv := server{Name: string(s.Name), NotReady: s.NotReady, Grc: s.InGrace}
		for _, c := range s.Conditions {
			sv.Conds = append(sv.Conds, cond{string(c.Type), string(c.Status), c.Reason})
		}
		k.List = append(k.List, sv)
	}
	return string(audit.JSON(k))
}

// onlyNotObserved reports whether every condition of s that is not True
// is Unknown for want of an observation.
func onlyNotObserved(s health.ServerHealth) bool {
	for _, c := range s.Conditions {
		if c.Status != health.True && (c.Status != health.Unknown || c.Reason != health.ReasonNotObserved) {
			return false
		}
	}
	return true
}

// compactServer keeps a server's conditions that are not True, without
// their transition times, and its not-Ready counts.
func compactServer(s health.ServerHealth) health.ServerHealth {
	out := health.ServerHealth{Name: s.Name, NotReady: s.NotReady, InGrace: s.InGrace}
	for _, c := range s.Conditions {
		if c.Status != health.True {
			c.LastTransition = time.Time{}
			out.Conditions = append(out.Conditions, c)
		}
	}
	return out
}

// recordObservation writes the pass's observation record when it differs
// from the last one written or replayed, and returns the detail for the
// pass_end record: its observation error, if any.
func (c *Controller) recordObservation(res PassResult) map[string]any {
	c.mu.Lock()
	rep := c.report
	c.mu.Unlock()
	d := observationOf(res, rep)
	extra := map[string]any{}
	if !d.OK {
		extra["observe_error"] = firstNonEmpty(d.CMDBError, d.NSError, "nothing observed")
	}
	raw := audit.JSON(d)
	c.mu.Lock()
	same := observationKey(d) == c.lastObsKey
	c.mu.Unlock()
	if same {
		return extra
	}
	if err := c.appendBatched(audit.Record{Type: audit.TypeObservation, Pass: res.ID, Detail: raw}); err != nil {
		c.log.Error("observation not recorded", "pass", res.ID, "error", err)
		return extra
	}
	c.noteObservation(d, raw, c.clock.Now(), res.ID, false)
	return extra
}

// noteObservation makes d the last observation recorded at `at`: the last
// known state when it read the site, else the start of a failure.
// carried is for a segment record's copy, taken only when nothing was
// replayed before it.
func (c *Controller) noteObservation(d ObservationDetail, raw json.RawMessage, at time.Time, pass string, carried bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if carried {
		if c.last.At.IsZero() && d.OK {
			c.last, c.lastOKRaw = LastKnown{Detail: d, At: at, Pass: pass}, raw
		}
		return
	}
	c.lastObsKey = observationKey(d)
	if !d.OK {
		if c.last.FailingSince.IsZero() {
			c.last.FailingSince = at
		}
		c.last.FailError = firstNonEmpty(d.CMDBError, d.NSError)
		return
	}
	c.last, c.lastOKRaw = LastKnown{Detail: d, At: at, Pass: pass}, raw
}

// confirmObservation notes, at the end of a pass, whether it read the
// site: a pass that did confirms the last known state and ends a failure.
func (c *Controller) confirmObservation(at time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !ok {
		return
	}
	c.last.FailingSince, c.last.FailError = time.Time{}, ""
	if !c.last.At.IsZero() {
		c.last.Confirmed = at
	}
}

// replayObservation takes an observation record, or the copy a segment
// record carries, as Restore reads the journal.
func (c *Controller) replayObservation(r audit.Record, raw json.RawMessage) {
	var d ObservationDetail
	if json.Unmarshal(raw, &d) != nil {
		return
	}
	c.noteObservation(d, audit.JSON(d), r.Time, r.Pass, r.Type == audit.TypeSegment)
}

func (c *Controller) replayPassEnd(r audit.Record) {
	var d struct {
		ObserveError *string `json:"observe_error"`
	}
	if json.Unmarshal(r.Detail, &d) != nil {
		return
	}
	c.confirmObservation(r.Time, d.ObserveError == nil)
}

// LastKnown returns the last state observed as the journal holds it
// (replayed by Restore, or recorded by this controller); false when no
// observation that read the site was ever recorded.
func (c *Controller) LastKnown() (LastKnown, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last, !c.last.At.IsZero()
}

// resetLastKnown forgets the last observation (before a replay).
func (c *Controller) resetLastKnown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last, c.lastObsKey, c.lastOKRaw = LastKnown{}, "", nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
