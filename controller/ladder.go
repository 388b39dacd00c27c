package controller

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/actions/apply"
	"github.com/itms-tools/reconciler/actions/planner"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/crashpoint"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/inbox"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// foldLadder applies one journal record to the escalation ladder. It is
// the single fold both for records the controller appends and for the
// journal replayed at start (Restore), so a restart rebuilds the ladder
// exactly: no rung skipped or repeated.
func (c *Controller) foldLadder(r audit.Record) {
	l := c.ladderState()
	h := vocab.Host(r.Server)
	switch r.Type {
	case audit.TypeIntent:
		var u actions.LadderUse
		if h != "" && len(r.Detail) > 0 && json.Unmarshal(r.Detail, &u) == nil && u.Evidence != "" {
			was := l.IsStalled(h)
			l.Intent(h, u)
			c.notifyIntent(h, was && !l.IsStalled(h))
		}
	case audit.TypeOutcome, audit.TypeIndeterminate:
		// An indeterminate action may have run: it counts as an attempt,
		// and a resend that may have run is verified, never repeated blind.
		if h != "" && (r.Outcome == audit.Applied || r.Outcome == audit.Indeterminate) {
			l.Applied(h, r.Action, actions.Kind(r.Kind), r.Time)
		}
	case audit.TypeVerification:
		var v guard.Verification
		if h != "" && json.Unmarshal(r.Detail, &v) == nil {
			l.Verify(h, v, r.Time)
		}
	case audit.TypeRetry:
		l.Retry(h)
	case audit.TypePause:
		l.Pause(h, pauseHold(r))
	case audit.TypeResume:
		l.Resume(h)
	}
}

// pauseHold is the hold a pause record puts in force.
func pauseHold(r audit.Record) guard.Hold {
	var d inbox.OperatorDetail
	if len(r.Detail) > 0 {
		_ = json.Unmarshal(r.Detail, &d) // a detail of another shape gives no reason
	}
	return guard.Hold{By: r.Actor.User, Since: r.Time, Reason: d.Reason}
}

// ladderState returns the ladder in force.
func (c *Controller) ladderState() *guard.Ladder {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ladder
}

// Ladder exposes the escalation ladder (for status, metrics and tests).
func (c *Controller) Ladder() *guard.Ladder { return c.ladderState() }

// newLadder gives the controller an empty ladder for its policy.
func (c *Controller) newLadder() {
	p := c.Policy()
	l := guard.NewLadder(p.Reconcile.VerifyAfter, p.Reconcile.BackoffBase, p.Reconcile.BackoffCap)
	c.mu.Lock()
	c.ladder = l
	c.mu.Unlock()
}

// requeueVerifications wakes the loop for every chain the journal shows
// applied and not yet verified (after Restore).
func (c *Controller) requeueVerifications() {
	pend := c.ladderState().Pending()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range pend {
		c.verify[p.Server] = p.Due
	}
}

// ladderInput adds the ladder and the pauses to a planner input.
func (c *Controller) ladderInput(in *planner.Input, maxAttempts int) {
	l := c.ladderState()
	in.Ladder, in.MaxAttempts = l.Steps(), maxAttempts
}

// pausedHeld adds the servers an admin paused to held, with who paused
// them, since when and why. A pause names a server as the admin typed it;
// it holds the server of that name in any case (host names compare
// without case), spelled as the observation spells it.
func (c *Controller) pausedHeld(held map[vocab.Host]string, obs *observed.Observation, also []vocab.Host) map[vocab.Host]string {
	holds := c.ladderState().Holds()
	if len(holds) == 0 {
		return held
	}
	if held == nil {
		held = map[vocab.Host]string{}
	}
	known := append(obs.ServersInQuestion(), also...)
	for h, p := range holds {
		if h != "" {
			h = spelledAs(h, obs, known)
		}
		if held[h] == "" {
			held[h] = PauseReason(h, p)
		}
	}
	return held
}

// spelledAs is h as the observation spells it: a listed server, or one of
// known, of the same name in another case; h itself when none is.
func spelledAs(h vocab.Host, obs *observed.Observation, known []vocab.Host) vocab.Host {
	if s, ok := obs.Server(h); ok {
		return s.Name
	}
	for _, k := range known {
		if strings.EqualFold(string(k), string(h)) {
			return k
		}
	}
	return h
}

// PauseReason says why a paused server (every server when h is "") gets
// no actions, and how to release it.
func PauseReason(h vocab.Host, p guard.Hold) string {
	msg := "enforcement paused " + p.String()
	resume := "reconciler resume"
	if h != "" {
		resume += " " + string(h)
	}
	return msg + " (`" + resume + "` releases it)"
}

// verifyDue verifies every remedy chain whose verify_after has passed,
// from this pass's observation, and journals one verification record per
// server. A server the observation cannot judge (not observed, pairs
// still within their grace) waits for a later pass.
func (c *Controller) verifyDue(in planner.Input, now time.Time) {
	obs := in.Obs
	if c.journal == nil || obs.CMDBErr != nil || obs.NSErr != nil {
		return
	}
	var ev map[vocab.Host]actions.Evidence
	inQ := map[vocab.Host]bool{}
	for _, h := range obs.ServersInQuestion() {
		inQ[h] = true
	}
	for _, p := range c.ladderState().Pending() {
		if p.Due.After(now) {
			continue
		}
		if ev == nil {
			ev = c.assess(in)
		}
		v, ok := judge(p, inQ[p.Server], ev, obs)
		if !ok {
			continue
		}
		rec := audit.Record{Type: audit.TypeVerification, Server: string(p.Server), Detail: audit.JSON(v)}
		if err := c.append(rec); err != nil {
			c.log.Error("verification not recorded", "server", p.Server, "error", err)
			continue
		}
		c.noteVerification(p.Server, v)
		crashpoint.Hit(crashpoint.AfterVerification)
	}
}

// assess diagnoses the observation for verification, with the credential
// history the planner gets.
func (c *Controller) assess(in planner.Input) map[vocab.Host]actions.Evidence {
	c.mu.Lock()
	in.History = c.sweep.plannerHistory(in.Obs)
	c.mu.Unlock()
	return planner.Assess(in)
}

// judge decides the verification of one pending chain: verified when no
// pair of the server is in question any more, not_effective when the
// evidence is the one the chain was planned from, changed otherwise. ok is
// false when the observation cannot tell yet.
func judge(p guard.Pending, inQuestion bool, ev map[vocab.Host]actions.Evidence, obs *observed.Observation) (guard.Verification, bool) {
	v := guard.Verification{Rung: p.Use.Rung, Targeted: p.Use.Pairs}
	if !inQuestion {
		v.Result = guard.Verified
		v.Message = fmt.Sprintf("%s at %s made %s Ready", chainName(p.Use.Rung), hhmm(p.Applied), vocab.Count(p.Use.Pairs, "pair"))
		return v, true
	}
	e, seen := ev[p.Server]
	if !seen || e.InQuestion == 0 {
		return v, false
	}
	v.Evidence, v.NotReady, v.Signs = e.Digest, e.InQuestion, e.Signs
	if e.Digest != p.Use.Evidence {
		v.Result = guard.Changed
		v.Message = fmt.Sprintf("after %s at %s the evidence changed (%s not Ready): diagnosed afresh",
			chainName(p.Use.Rung), hhmm(p.Applied), vocab.Count(e.InQuestion, "pair"))
		return v, true
	}
	v.Result = guard.NotEffective
	v.Next, v.Stalled = actions.Escalate(p.Server, p.Use.Rung, e)
	next := v.Next.String() + " next"
	if v.Next == actions.RungStalled {
		next = "stalled"
	}
	v.Message = fmt.Sprintf("%s at %s did not make %s Ready; %s", chainName(p.Use.Rung), hhmm(p.Applied),
		vocab.Count(e.InQuestion, "pair"), next)
	return v, true
}

// chainName names the remedy chain of a rung in a verification message.
func chainName(r actions.Rung) string {
	switch r {
	case actions.RungProcedure1:
		return "Procedure 1"
	case actions.RungProcedure2:
		return "Procedure 2"
	}
	return "resend"
}

func hhmm(t time.Time) string { return t.UTC().Format("15:04") }

// noteVerification logs a verification and notifies what it changed.
func (c *Controller) noteVerification(h vocab.Host, v guard.Verification) {
	c.notifyVerification(h, v)
	switch {
	case v.Stalled != "":
		c.log.Warn("server stalled", "server", h, "reason", v.Stalled)
	case v.Result == guard.NotEffective:
		c.log.Warn("remedy not effective: escalating", "server", h, "message", v.Message)
	default:
		c.log.Info("remedy verified", "server", h, "result", v.Result, "message", v.Message)
	}
}

// ladderDetail is the Detail of an intent on a server: the rung the plan
// is on and the evidence it was planned from.
func (c *Controller) ladderDetail(s apply.Step) json.RawMessage {
	h := s.Action.Target.Server
	if h == "" {
		return nil
	}
	c.mu.Lock()
	u, ok := c.passLadder[h]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	return audit.JSON(u)
}
