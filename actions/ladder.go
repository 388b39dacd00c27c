package actions

import (
	"fmt"
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
	// Locked is set when the site shows the Agent Connectivity Credential
	// account locked out or expired (KB 194234; agent.log or the
	// credential check): no remedy of ours logs it on again.
	Locked bool
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

// LockedHint is what a person should do about a server whose Agent
// Connectivity Credential account is locked out or expired.
func LockedHint(h vocab.Host) string {
	return fmt.Sprintf("unlock or renew the account, then `reconciler retry %s`", h)
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
	next := EffectiveRung(r+1, ev)
	if next < RungStalled {
		return next, ""
	}
	if ev.Locked {
		return next, "the Agent Connectivity Credential account is locked out or expired (KB 194234): neither Procedure 1 nor Procedure 2 would help; " +
			LockedHint(h)
	}
	if ev.Trust {
		return next, "the 1789 trust error persists after the credential remedies: the computer's domain trust is broken; " +
			StallHint(h, true)
	}
	return next, fmt.Sprintf("%s did not make %s Ready: the ladder is exhausted; %s", r, vocab.Count(ev.InQuestion, "pair"), StallHint(h, false))
}

// EffectiveRung is the rung r as it applies to evidence ev: Procedure 1 is
// skipped where the evidence's own remedy was the reset cycle (a rung never
// repeats the one below) or no cycle can be planned; a trust error that
// survived the credential remedies, or no pair to apply Procedure 2 to,
// stalls; so does a locked or expired account once the resend of rung 0
// confirmed it (no reset cycle or file remedy logs it on again).
func EffectiveRung(r Rung, ev Evidence) Rung {
	if r == RungProcedure1 && (ev.Cycle || !ev.CanCycle) {
		r = RungProcedure2
	}
	if r >= RungProcedure1 && ev.Locked {
		return RungStalled
	}
	if r == RungProcedure2 && (ev.Trust || ev.InQuestion == 0) {
		r = RungStalled
	}
	return min(r, RungStalled)
}
