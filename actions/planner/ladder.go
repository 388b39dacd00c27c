package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
)

// Assess diagnoses every server Compute would and returns each one's
// evidence, without planning. It is pure, like Compute.
func Assess(in Input) map[vocab.Host]actions.Evidence {
	out := map[vocab.Host]actions.Evidence{}
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
func (d *serverDiag) evidence(in Input, cycle bool) actions.Evidence {
	want := in.Desired.Credential
	e := actions.Evidence{InQuestion: len(d.pkgs), Cycle: cycle && d.stuck,
		CanCycle: want.Mode != vocab.Anonymous && !in.Obs.NSUnmanaged,
		Trust:    d.agent.Evidence.TrustErrors > 0 || slices.ContainsFunc(d.agent.LogSignatures, isTrustSign),
		Locked:   slices.ContainsFunc(d.agent.LogSignatures, isLockedSign),
		Signs:    d.credentialSigns(want)}
	parts := []string{fmt.Sprintf("cred=%t acl=%t trust=%t", d.stuck || d.notReceived, d.aclMissing, e.Trust)}
	if e.Locked {
		parts = append(parts, "locked")
	}
	parts = append(parts, sortedStrings(d.agent.LogSignatures)...)
	for _, pc := range d.pkgs {
		parts = append(parts, string(pc.pair.Package)+"="+string(pc.cause))
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	e.Digest = hex.EncodeToString(sum[:8])
	return e
}

func isTrustSign(s string) bool { return strings.Contains(s, "1789") }

// isLockedSign recognises the Agent Connectivity Credential's logon
// refused because the account is locked out (Windows error 1909) or
// expired (1793), KB 194234.
func isLockedSign(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "locked out") || strings.Contains(s, "(1909)") ||
		strings.Contains(l, "account has expired") || strings.Contains(s, "(1793)")
}

func sortedStrings(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}

// climb applies the ladder to the diagnosed servers: a server awaiting
// verification, stalled, backing off or past its attempts gets nothing (a
// note says why); one on rung 1 or 2 has its diagnosis raised to that
// rung's remedy. It returns the servers to plan for and what each plan
// uses of the ladder.
func climb(b *builder, diags []*serverDiag, in Input, cycle bool) ([]*serverDiag, map[vocab.Host]actions.LadderUse) {
	uses := map[vocab.Host]actions.LadderUse{}
	var out []*serverDiag
	for _, sd := range diags {
		ev := sd.evidence(in, cycle)
		st := in.Ladder[sd.host]
		if st.Digest != "" && st.Digest != ev.Digest {
			if st.Rung > 0 || st.Stalled != "" {
				b.note(actions.Target{Server: sd.host}, actions.NoteEvidence, "the evidence changed since the last remedy: diagnosed afresh at rung 0")
			}
			st = actions.LadderStep{}
		}
		r, ok := admitRung(b, sd.host, st, ev, in)
		if !ok {
			continue
		}
		sd.raise(r, st.Last)
		out = append(out, sd)
		if sd.inQuestion || r > 0 {
			uses[sd.host] = actions.LadderUse{Rung: r, Evidence: ev.Digest, Pairs: ev.InQuestion}
		}
	}
	return out, uses
}

// admitRung decides whether a server gets a plan from the ladder state st
// and at which rung; a held server is noted.
func admitRung(b *builder, h vocab.Host, st actions.LadderStep, ev actions.Evidence, in Input) (actions.Rung, bool) {
	t := actions.Target{Server: h}
	r := actions.EffectiveRung(st.Rung, ev)
	if st.Rung == actions.RungEvidence {
		r = actions.RungEvidence
	}
	switch {
	case !st.VerifyAt.IsZero():
		b.note(t, actions.NoteVerify, fmt.Sprintf("the remedy applied is verified at %s: nothing new before", st.VerifyAt.UTC().Format(time.RFC3339)))
	case st.Stalled != "":
		b.note(t, actions.NoteStalled, "stalled: "+st.Stalled)
	case r == actions.RungStalled:
		_, why := actions.Escalate(h, st.Rung-1, ev)
		b.note(t, actions.NoteStalled, "stalled: "+why)
	case in.Now.Before(st.Wait):
		b.note(t, actions.NoteBackoff, fmt.Sprintf("%s is next, after the backoff until %s", r, st.Wait.UTC().Format(time.RFC3339)))
	case in.MaxAttempts > 0 && st.Attempts[actions.FormatID(actions.ResendStatus, t, 0, "")] >= in.MaxAttempts:
		b.note(t, actions.NoteStalled, fmt.Sprintf("stalled: resend_status was applied %d times (reconcile.max_attempts) without new evidence; %s",
			in.MaxAttempts, actions.StallHint(h, ev.Trust)))
	default:
		return r, true
	}
	return 0, false
}

// raise turns a server's diagnosis into rung r's remedy. Rung 1 is the
// reset cycle (with the ACL grant where the account lacks Full Control)
// and the resend, and no file remedy; rung 2 is the file remedies of every pair in question
// (the NS snapshot only where its version differs), the update and the
// resend, and no credential remedy (those were tried below it).
func (d *serverDiag) raise(r actions.Rung, last string) {
	d.rung, d.last = r, last
	switch r {
	case actions.RungProcedure1:
		// Procedure 1 touches no package file: every pair in question is
		// only reported again once the cycle and the grant ran.
		d.stuck, d.notReceived = true, false
		for i := range d.pkgs {
			d.pkgs[i].cause, d.pkgs[i].nsStale = actions.StatusLost, false
		}
	case actions.RungProcedure2:
		d.stuck, d.notReceived, d.behind = false, false, false
		for i := range d.pkgs {
			pc := &d.pkgs[i]
			pc.force = true
			pc.cause = actions.StalePSSnapshot
			if pc.nsStale {
				pc.cause = actions.StaleNSSnapshot
			}
		}
	}
}

// escalationReason explains, on the resend of a raised server, which rung
// the plan is on and why.
func escalationReason(d *serverDiag, reqs []string) actions.Reason {
	msg := fmt.Sprintf("rung %d (%s)", d.rung, d.rung)
	if d.last != "" {
		msg = d.last + "; " + msg + " now"
	}
	return actions.Reason{Cause: actions.Escalation, Message: msg, Requires: reqs,
		Facts: []actions.Fact{{Name: "rung", Value: fmt.Sprint(int(d.rung))}}}
}
