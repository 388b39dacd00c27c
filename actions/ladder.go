package actions

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// Rung is a step of the escalation ladder (docs/design.md §15): the
// remedy the evidence points to, then KB 179719's Procedure 1, then its
// Procedure 2 for the affected packages, then a person.
type Rung int

// The rungs.
const (
	RungEvidence   Rung = 0 // the remedy the evidence points to
	RungProcedure1 Rung = 1 // the reset cycle, the ACL check and grant, the resend
	RungProcedure2 Rung = 2 // file remedies for the affected packages, update, resend
	RungStalled    Rung = 3 // no more actions until the evidence changes or a retry
)

// String names a rung for reasons and reports.
func (r Rung) String() string {
	switch r {
	case RungEvidence:
		return "the remedy the evidence points to"
	case RungProcedure1:
		return "Procedure 1"
	case RungProcedure2:
		return "Procedure 2"
	}
	return "stalled"
}

// Escalation is the cause of the reason that says why a plan is on a rung
// above the evidence's own remedy.
const Escalation Cause = "escalation"

// Note kinds of servers the ladder holds back.
const (
	NoteStalled  = "stalled"
	NoteVerify   = "awaiting_verification"
	NoteBackoff  = "ladder_backoff"
	NoteEvidence = "evidence_changed"
)

// LadderStep is the ladder state of one server, as the planner reads it
// (rebuilt from the journal by guard.Ladder). The zero value is rung 0
// with nothing tried.
type LadderStep struct {
	Rung Rung
	// Digest is the evidence digest the current rungs were tried on; other
	// evidence starts the ladder again at rung 0.
	Digest string
	// Stalled says why no action is planned ("" when not stalled).
	Stalled string
	// Last says what the last verification found, for the next rung's
	// reason ("resend at 10:05 did not make 30 pairs Ready").
	Last string
	// VerifyAt is when the applied remedy chain is verified; until then
	// the server gets nothing new. Zero when nothing awaits verification.
	VerifyAt time.Time
	// Wait is the backoff: no further rung before it.
	Wait time.Time
	// Attempts counts the applied actions per action id since the
	// evidence last changed.
	Attempts map[string]int
}

// Ladder is the ladder state of every server that has any.
type Ladder map[vocab.Host]LadderStep

// Evidence is the planner's summary of one diagnosed server's evidence,
// what verification compares.
type Evidence struct {
	// Digest identifies the diagnosis: the causes per pair in question and
	// the server-wide causes and signs, not volatile facts such as versions.
	Digest string
	// InQuestion counts the server's pairs in question.
	InQuestion int
	// Cycle is set when the evidence's own remedy is the reset cycle.
	Cycle bool
	// CanCycle is set when a reset cycle may be planned at all (the NS is
	// managed and the policy's mode is not anonymous).
	CanCycle bool
	// Trust is set when the 1789 trust error shows (status reports or
	// agent.log).
	Trust bool
	// Signs are KB 179719's signs the agent showed (agent.log signatures,
	// 1789 counts, bare folders), for reasons and status.
	Signs []string
}

// LadderUse is what a plan did with one server's ladder: the rung it
// planned and the evidence it planned from (recorded with the intents).
type LadderUse struct {
	Rung     Rung   `json:"rung"`
	Evidence string `json:"evidence"`
	Pairs    int    `json:"pairs"`
}

// Assess diagnoses every server Compute would and returns each one's
// evidence, without planning. It is pure, like Compute.
func Assess(in Input) map[vocab.Host]Evidence {
	out := map[vocab.Host]Evidence{}
	if blocked(in.Obs, in.Held) != "" {
		return out
	}
	b := newBuilder()
	diags := diagnoseServers(b, in)
	cycle := needsCycle(diags, in.Desired.Credential)
	for _, sd := range diags {
		out[sd.host] = sd.evidence(in, cycle)
	}
	return out
}

// evidence summarises a diagnosed server.
func (d *serverDiag) evidence(in Input, cycle bool) Evidence {
	want := in.Desired.Credential
	e := Evidence{InQuestion: len(d.pkgs), Cycle: cycle && d.stuck,
		CanCycle: want.Mode != vocab.Anonymous && !in.Obs.NSUnmanaged,
		Trust:    d.agent.Evidence.TrustErrors > 0 || slices.ContainsFunc(d.agent.LogSignatures, isTrustSign),
		Signs:    d.credentialSigns(want)}
	parts := []string{fmt.Sprintf("cred=%t acl=%t trust=%t", d.stuck || d.notReceived, d.aclMissing, e.Trust)}
	parts = append(parts, sortedStrings(d.agent.LogSignatures)...)
	for _, pc := range d.pkgs {
		parts = append(parts, string(pc.pair.Package)+"="+string(pc.cause))
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	e.Digest = hex.EncodeToString(sum[:8])
	return e
}

func isTrustSign(s string) bool { return strings.Contains(s, "1789") }

func sortedStrings(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}

// StallHint is what a person should do about a stalled server.
func StallHint(h vocab.Host, trust bool) string {
	if trust {
		return fmt.Sprintf("repair the computer's secure channel (Test-ComputerSecureChannel -Repair) and run `reconciler retry %s`", h)
	}
	return fmt.Sprintf("look at the package server (agent.log, the package folders) and run `reconciler retry %s`", h)
}

// Escalate decides the rung after rung r was applied and verified not
// effective on evidence ev: the next rung the ladder may try, or
// RungStalled with why (the stall reason names what a person should do).
func Escalate(h vocab.Host, r Rung, ev Evidence) (Rung, string) {
	next := effectiveRung(r+1, ev)
	if next < RungStalled {
		return next, ""
	}
	if ev.Trust {
		return next, "the 1789 trust error persists after the credential remedies: the computer's domain trust is broken; " +
			StallHint(h, true)
	}
	return next, fmt.Sprintf("%s did not make %s Ready: the ladder is exhausted; %s", r, vocab.Count(ev.InQuestion, "pair"), StallHint(h, false))
}

// effectiveRung is the rung r as it applies to evidence ev: Procedure 1 is
// skipped where the evidence's own remedy was the reset cycle (a rung never
// repeats the one below) or no cycle can be planned; a trust error that
// survived the credential remedies, or no pair to apply Procedure 2 to,
// stalls.
func effectiveRung(r Rung, ev Evidence) Rung {
	if r == RungProcedure1 && (ev.Cycle || !ev.CanCycle) {
		r = RungProcedure2
	}
	if r == RungProcedure2 && (ev.Trust || ev.InQuestion == 0) {
		r = RungStalled
	}
	return min(r, RungStalled)
}

// climb applies the ladder to the diagnosed servers: a server awaiting
// verification, stalled, backing off or past its attempts gets nothing (a
// note says why); one on rung 1 or 2 has its diagnosis raised to that
// rung's remedy. It returns the servers to plan for and what each plan
// uses of the ladder.
func climb(b *builder, diags []*serverDiag, in Input, cycle bool) ([]*serverDiag, map[vocab.Host]LadderUse) {
	uses := map[vocab.Host]LadderUse{}
	var out []*serverDiag
	for _, sd := range diags {
		ev := sd.evidence(in, cycle)
		st := in.Ladder[sd.host]
		if st.Digest != "" && st.Digest != ev.Digest {
			if st.Rung > 0 || st.Stalled != "" {
				b.note(Target{Server: sd.host}, NoteEvidence, "the evidence changed since the last remedy: diagnosed afresh at rung 0")
			}
			st = LadderStep{}
		}
		r, ok := admitRung(b, sd.host, st, ev, in)
		if !ok {
			continue
		}
		sd.raise(r, st.Last)
		out = append(out, sd)
		if sd.inQuestion || r > 0 {
			uses[sd.host] = LadderUse{Rung: r, Evidence: ev.Digest, Pairs: ev.InQuestion}
		}
	}
	return out, uses
}

// admitRung decides whether a server gets a plan from the ladder state st
// and at which rung; a held server is noted.
func admitRung(b *builder, h vocab.Host, st LadderStep, ev Evidence, in Input) (Rung, bool) {
	t := Target{Server: h}
	r := effectiveRung(st.Rung, ev)
	if st.Rung == RungEvidence {
		r = RungEvidence
	}
	switch {
	case !st.VerifyAt.IsZero():
		b.note(t, NoteVerify, fmt.Sprintf("the remedy applied is verified at %s: nothing new before", st.VerifyAt.UTC().Format(time.RFC3339)))
	case st.Stalled != "":
		b.note(t, NoteStalled, "stalled: "+st.Stalled)
	case r == RungStalled:
		_, why := Escalate(h, st.Rung-1, ev)
		b.note(t, NoteStalled, "stalled: "+why)
	case in.Now.Before(st.Wait):
		b.note(t, NoteBackoff, fmt.Sprintf("%s is next, after the backoff until %s", r, st.Wait.UTC().Format(time.RFC3339)))
	case in.MaxAttempts > 0 && st.Attempts[MakeID(ResendStatus, t, 0, "")] >= in.MaxAttempts:
		b.note(t, NoteStalled, fmt.Sprintf("stalled: resend_status was applied %d times (reconcile.max_attempts) without new evidence; %s",
			in.MaxAttempts, StallHint(h, ev.Trust)))
	default:
		return r, true
	}
	return 0, false
}

// raise turns a server's diagnosis into rung r's remedy. Rung 1 is the
// reset cycle (with the ACL grant where the account lacks Full Control)
// and the resend; rung 2 is the file remedies of every pair in question
// (the NS snapshot only where its version differs), the update and the
// resend, and no credential remedy (those were tried below it).
func (d *serverDiag) raise(r Rung, last string) {
	d.rung, d.last = r, last
	switch r {
	case RungProcedure1:
		d.stuck, d.notReceived = true, false
	case RungProcedure2:
		d.stuck, d.notReceived, d.behind = false, false, false
		for i := range d.pkgs {
			pc := &d.pkgs[i]
			pc.force = true
			pc.cause = StalePSSnapshot
			if pc.nsStale {
				pc.cause = StaleNSSnapshot
			}
		}
	}
}

// escalationReason explains, on the resend of a raised server, which rung
// the plan is on and why.
func escalationReason(d *serverDiag, reqs []string) Reason {
	msg := fmt.Sprintf("rung %d (%s)", d.rung, d.rung)
	if d.last != "" {
		msg = d.last + "; " + msg + " now"
	}
	return Reason{Cause: Escalation, Message: msg, Requires: reqs,
		Facts: []Fact{{"rung", fmt.Sprint(int(d.rung))}}}
}
