package simulate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/sim"
)

// Report is the outcome of a simulation: the fields of DESIGN §7 first, in
// that order, then extras that help tune a policy. Maps encode with their
// keys sorted, so the same simulation gives the same bytes.
type Report struct {
	Scenario string `json:"scenario"`
	// Converged: every in-scope pair is Ready at the end and stays so.
	Converged bool `json:"converged"`
	// ConvergedAfter is the time from Start from which every in-scope
	// pair stays Ready to the end, as a Go duration ("1h35m0s"); null
	// when the site did not converge.
	ConvergedAfter *string `json:"converged_after"`
	// NotReadyAtEnd counts the in-scope pairs not Ready at the end.
	NotReadyAtEnd int `json:"not_ready_at_end"`
	// Actions counts the applied actions of every kind (zero included).
	Actions map[string]int `json:"actions"`
	// MaxInWindow is, per kind the policy limits, the most actions applied
	// within any one rolling window of the limit's length.
	MaxInWindow map[string]int `json:"max_in_window"`
	// LimitViolations counts the applied actions that went over their
	// kind's cap in the trailing window ending at them. Must be 0.
	LimitViolations    int  `json:"limit_violations"`
	UnsafePathsTouched int  `json:"unsafe_paths_touched"`
	AuditChainValid    bool `json:"audit_chain_valid"`
	// DesiredStateHolds: the whole desired state holds at the end and
	// stays so: every in-scope pair Ready (converged), the NS setting the
	// policy's credential, and every in-scope server holding that
	// credential and, for appid/acc, its account's Full Control. A server
	// forgotten after a credential change shows here, not in converged.
	DesiredStateHolds bool `json:"desired_state_holds"`
	// DesiredAfter is the time from Start from which the whole desired
	// state holds to the end; null when it does not hold at the end.
	DesiredAfter *string `json:"desired_after"`

	Seed     int64  `json:"seed"`
	Start    string `json:"start"`    // RFC 3339, UTC
	Duration string `json:"duration"` // Go duration
	// Passes counts the passes run (pass_start records).
	Passes int `json:"passes"`
	// Deferrals counts the actions deferred or skipped, by the class of
	// the rule that held them (see actions.HoldClasses; every class present):
	// an action is counted when it becomes held and when the class of the
	// rule holding it changes, not at every pass it stays held.
	Deferrals map[string]int `json:"deferrals"`
	// Failed counts the actions whose driver call failed, by kind.
	Failed map[string]int `json:"failed"`
	// GlobalActions counts the applied actions on the NS, which every
	// server feels: set_credential_mode, delete_ns_snapshot and
	// run_package_refresh.
	GlobalActions int `json:"global_actions"`
	// RejectedRows is the most rows and agent answers one pass rejected as
	// malformed (reported, never acted on).
	RejectedRows int `json:"rejected_rows"`
	// Escalations counts the climbs of the escalation ladder, by the rung
	// climbed to ("1" Procedure 1, "2" Procedure 2, "3" stalled): the
	// verifications that found a remedy chain not effective (every rung
	// present).
	Escalations map[string]int `json:"escalations"`
	// Stalled lists, sorted, the servers stalled at the end: no action
	// until their evidence changes or an admin retries them.
	Stalled []string `json:"stalled"`
	// Attempts counts the actions attempted, by kind (zero included):
	// applied, failed or indeterminate.
	Attempts map[string]int `json:"attempts"`
}

// JSON encodes the report, indented, with a final newline.
func (r Report) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	return b.Bytes(), nil
}

// collect builds the result from the site, the facts of the journal and
// the closed journal, which it verifies.
func collect(o Options, pol *policy.Policy, site *sim.Site, facts *journalFacts, rejects int, stalled []string) (Result, error) {
	v, err := audit.Verify(o.AuditPath)
	if err != nil {
		return Result{}, err
	}
	timeline := collapse(site.Timeline())
	r := Report{
		Scenario: o.Scenario.Name, NotReadyAtEnd: site.NotReady(),
		UnsafePathsTouched: site.UnsafePathsTouched(), AuditChainValid: v.OK() && v.Torn == 0,
		Seed: o.Scenario.Seed, Start: o.Start.Format(time.RFC3339), Duration: o.Scenario.Duration.String(),
		Passes: facts.passes, RejectedRows: rejects, Stalled: stalled,
	}
	r.Converged, r.ConvergedAfter = converged(timeline, o.Start, r.NotReadyAtEnd)
	r.DesiredStateHolds, r.DesiredAfter = desiredHolds(r.ConvergedAfter, site.DesiredTimeline(), o.Start)
	r.count(site.Applied(), facts, pol.Limits)
	s := Series{Start: o.Start, End: o.End(), Summary: o.Scenario.Summary(), Schedule: pol.Reconcile.Schedule,
		NotReady: timeline, Applied: facts.applied, Limits: pol.Limits,
		Windows: windowSpans(pol.Windows, o.Start, o.End()), Deferrals: r.Deferrals,
		BreakerTrips: facts.breakerTrips, Records: facts.records,
		MaxServersPerPass: pol.Reconcile.MaxServersPerPass, Approve: pol.Approve,
		BreakerResetAfter: pol.Reconcile.BreakerHealthyFor, NotReadyAtEnd: r.NotReadyAtEnd}
	for _, n := range r.Failed {
		s.Failed += n
	}
	if r.ConvergedAfter != nil {
		d, _ := time.ParseDuration(*r.ConvergedAfter)
		s.ConvergedAt = o.Start.Add(d)
	}
	return Result{Report: r, Series: s}, nil
}

// count fills the report's counters: applied actions (as the site counted
// them), failures, deferrals by rule class and the rolling-window figures
// of each limit (from the journal's applied outcomes).
func (r *Report) count(applied map[actions.Kind]int, facts *journalFacts, limits []policy.Limit) {
	r.Actions, r.Failed, r.Deferrals, r.MaxInWindow = map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	r.Attempts, r.Escalations = map[string]int{}, map[string]int{}
	for rung := actions.RungProcedure1; rung <= actions.RungStalled; rung++ {
		r.Escalations[fmt.Sprint(int(rung))] = facts.escalations[rung]
	}
	for _, k := range actions.Kinds {
		r.Actions[string(k)] = applied[k]
		r.Failed[string(k)] = facts.failed[k]
		r.Attempts[string(k)] = facts.attempts[k]
		if k.Global() {
			r.GlobalActions += applied[k]
		}
	}
	for _, c := range actions.HoldClasses {
		r.Deferrals[string(c)] = 0
	}
	for c, n := range facts.deferrals {
		r.Deferrals[c] += n
	}
	for _, l := range limits {
		ts := facts.applied[l.Kind]
		r.MaxInWindow[string(l.Kind)] = maxInWindow(ts, l.Per)
		r.LimitViolations += overCap(ts, l.Max, l.Per)
	}
}

// converged reads the timeline: the site converged when its last sample
// (the count from then to the end) is zero and nothing is left at the end;
// it converged at that sample's time.
func converged(tl []sim.Sample, start time.Time, atEnd int) (bool, *string) {
	if len(tl) == 0 || atEnd != 0 || tl[len(tl)-1].NotReady != 0 {
		return false, nil
	}
	after := max(tl[len(tl)-1].At.Sub(start), 0).String()
	return true, &after
}

// desiredHolds reads the desired-state timeline: the whole desired state
// holds when the rows converged and nothing else is off from the last
// sample on; it holds from the later of the two times.
func desiredHolds(rowsAfter *string, tl []sim.DesiredSample, start time.Time) (bool, *string) {
	tl = settled(tl)
	if rowsAfter == nil || len(tl) == 0 || tl[len(tl)-1].Off != 0 {
		return false, nil
	}
	rows, err := time.ParseDuration(*rowsAfter)
	if err != nil {
		return false, nil
	}
	after := max(rows, tl[len(tl)-1].At.Sub(start), 0).String()
	return true, &after
}

// settled keeps the last sample of each instant, then drops samples that
// repeat the count before them: the count an instant leaves does not
// depend on the order of its actions, so neither does the result.
func settled(tl []sim.DesiredSample) []sim.DesiredSample {
	var out []sim.DesiredSample
	for _, s := range tl {
		if n := len(out); n > 0 && out[n-1].At.Equal(s.At) {
			out[n-1] = s
			if n > 1 && out[n-2].Off == s.Off {
				out = out[:n-1]
			}
			continue
		}
		if n := len(out); n > 0 && out[n-1].Off == s.Off {
			continue
		}
		out = append(out, s)
	}
	return out
}

// collapse keeps the last sample of each instant: several actions at one
// virtual time change the count in an order that concurrency decides, but
// the count they leave does not depend on it.
func collapse(tl []sim.Sample) []sim.Sample {
	var out []sim.Sample
	for _, s := range tl {
		if n := len(out); n > 0 && out[n-1].At.Equal(s.At) {
			out[n-1] = s
			continue
		}
		out = append(out, s)
	}
	return out
}
