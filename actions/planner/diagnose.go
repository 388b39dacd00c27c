package planner

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// pkgCause is the diagnosis of one pair in question. pair and files point
// into the planner's own copies of the observation (never nil).
type pkgCause struct {
	pair    *observed.Pair
	files   *observed.PackageFiles
	nsSnap  observed.Snapshot
	cause   actions.Cause // "" when the pair is left alone
	nsStale bool
	force   bool // Procedure 2: the status file goes too, whatever it records
}

// serverDiag is the diagnosis of one observed, reachable server.
type serverDiag struct {
	host        vocab.Host
	agent       observed.AgentFacts
	notReceived bool // applied ≠ policy's credential, not (yet) received
	stuck       bool // applied ≠ what the NS held at the server's policy version
	behind      bool // stuck, and the NS has moved on since
	aclMissing  bool
	// credWhy explains notReceived when a credential fact is unknown
	// (credentialMessage); "" when both facts were observed.
	credWhy    string
	pkgs       []pkgCause
	inQuestion bool         // some pair needs a status report
	rung       actions.Rung // the ladder's rung the plan is on (climb)
	last       string       // what the last verification found, for the rung's reason
}

// NoteCredentialUnknown is the kind of the note of a server whose applied
// credential could not be observed and whose evidence does not point at it.
const NoteCredentialUnknown = "credential_unknown"

// diagnoseCredential fills the credential causes of a server. ns is the
// setting observed on the NS; want is the policy's credential (what the NS
// holds once the plan's global steps ran); seen is the NS credential at
// the policy versions the controller has seen. When the NS setting is
// unmanaged, only the ACL is judged (against the policy's account).
//
// A server that does not hold the policy's credential is stuck when it
// has the current policy version yet applied something else, or when it
// is behind but its credential differs from what the NS held at the
// version it has (it received that setting and did not apply it). Else it
// has not received the setting yet (unknown history counts as not
// received).
//
// Stuck (the cause of the global reset cycle) is concluded only from two
// observed facts: the applied credential and the policy version received.
// Where either is unknown (a real site: docs/itms.md), the server gets at
// most the non-destructive first step, update_configuration then
// resend_status, and only when KB 179719's evidence points at the
// credential. This is the seam of the verify → escalate ladder
// (docs/design.md): the ladder, not this diagnosis, escalates such a
// server to the reset cycle once that first step was verified not
// effective and the evidence still agrees.
func (d *serverDiag) diagnoseCredential(b *builder, ns observed.NSState, want vocab.Credential, unmanaged bool, seen CredentialHistory) {
	if want.Mode.NeedsAccount() && !hasPrincipal(d.agent.FullControl, want.Account) {
		d.aclMissing = true
	}
	if unmanaged {
		return
	}
	a := d.agent
	switch {
	case a.AppliedUnknown != "":
		d.judgeUnknown(b, want)
	case a.Applied.Equal(want):
	case a.PolicyVersionUnknown != "":
		d.notReceived = true
		d.credWhy = fmt.Sprintf("applied credential %s ≠ %s; the policy version received is unknown (%s), so "+
			"not received and stuck cannot be told apart: update and resend first", a.Applied, want, a.PolicyVersionUnknown)
	case a.PolicyVersion >= ns.PolicyVersion && !a.Applied.Equal(ns.Credential):
		d.stuck = true
	case a.PolicyVersion < ns.PolicyVersion && knownOther(seen, a.PolicyVersion, a.Applied):
		d.stuck, d.behind = true, true
	default:
		d.notReceived = true
	}
}

// judgeUnknown decides a server whose applied credential is unknown from
// KB 179719's evidence among its pairs in question: package folders that
// grant only Administrators and SYSTEM (counted only when the mode needs an
// account), the 1789 trust error in status reports, and agent.log's
// access-denied and trust signatures. A missing ACL explains the same signs
// and is fixed first; a server with no pair in question gets nothing (its
// pairs must be diagnosed first).
func (d *serverDiag) judgeUnknown(b *builder, want vocab.Credential) {
	signs := d.credentialSigns(want)
	t := actions.Target{Server: d.host}
	switch {
	case len(signs) == 0 && !d.inQuestion:
		// A healthy server seen by a sweep: nothing to explain.
	case len(signs) == 0 || !d.inQuestion:
		b.note(t, NoteCredentialUnknown, fmt.Sprintf("applied credential unknown (%s) and no sign of KB 179719 points at it: "+
			"no credential action", d.agent.AppliedUnknown))
	case d.aclMissing:
		b.note(t, NoteCredentialUnknown, fmt.Sprintf("applied credential unknown (%s); the missing ACL explains %s: "+
			"the ACL is fixed first", d.agent.AppliedUnknown, strings.Join(signs, "; ")))
	default:
		d.notReceived = true
		d.credWhy = fmt.Sprintf("applied credential unknown (%s); KB 179719's signs point at it (%s): "+
			"update and resend first, nothing global", d.agent.AppliedUnknown, strings.Join(signs, "; "))
	}
}

// credentialSigns lists KB 179719's signs of a credential not applied that
// the agent's facts show.
func (d *serverDiag) credentialSigns(want vocab.Credential) []string {
	e := d.agent.Evidence
	var signs []string
	if want.Mode.NeedsAccount() && e.BareFolders > 0 {
		signs = append(signs, fmt.Sprintf("%d of %d package folders grant only Administrators and SYSTEM", e.BareFolders, e.FoldersRead))
	}
	if e.TrustErrors > 0 {
		signs = append(signs, fmt.Sprintf("%d status reports record the 1789 trust error", e.TrustErrors))
	}
	for _, s := range d.agent.LogSignatures {
		signs = append(signs, "agent.log: "+s)
	}
	return signs
}

// credentialMessage explains why a server not (yet) holding the policy's
// credential gets update_configuration.
func (d *serverDiag) credentialMessage(want vocab.Credential) string {
	if d.credWhy != "" {
		return d.credWhy
	}
	return fmt.Sprintf("applied credential %s ≠ %s; policy version %d not yet received", d.agent.Applied, want, d.agent.PolicyVersion)
}

// credentialFacts are the credential facts a reason carries; an unknown
// fact says why.
func (d *serverDiag) credentialFacts() []actions.Fact {
	applied, version := d.agent.Applied.String(), fmt.Sprint(d.agent.PolicyVersion)
	if d.agent.AppliedUnknown != "" {
		applied = "unknown: " + d.agent.AppliedUnknown
	}
	if d.agent.PolicyVersionUnknown != "" {
		version = "unknown: " + d.agent.PolicyVersionUnknown
	}
	return []actions.Fact{{Name: "applied_credential", Value: applied}, {Name: "policy_version", Value: version}}
}

// knownOther reports whether the NS held, at policy version v, a
// credential other than applied.
func knownOther(seen CredentialHistory, v int64, applied vocab.Credential) bool {
	c, ok := seen[v]
	return ok && !c.Equal(applied)
}

func hasPrincipal(acl []string, account string) bool {
	return slices.ContainsFunc(acl, func(p string) bool { return strings.EqualFold(p, account) })
}

// diagnosePair decides the cause of one pair in question, or why it is left
// alone (returned as a note message with an empty cause).
func diagnosePair(p *observed.Pair, f *observed.PackageFiles, fok bool, s observed.Snapshot, sok bool,
	now time.Time, grace time.Duration) (pkgCause, string) {
	pc := pkgCause{pair: p, files: f, nsSnap: s}
	if desired.Judge(*p, now, grace) == desired.PairInGrace {
		return pc, fmt.Sprintf("%s within the pending grace (%s): left alone", p.Status, grace)
	}
	if !fok {
		return pc, "package files not observed: nothing planned"
	}
	if f.Local == vocab.LocalDownloading {
		return pc, "download in progress on the package server: left alone"
	}
	psStale := !f.SnapshotPresent || f.SnapshotVersion != p.PackageVersion
	pc.nsStale = sok && (!s.Present || s.Version != p.PackageVersion)
	switch {
	case psStale && !sok:
		return pc, "NS snapshot not observed: nothing destructive planned"
	case psStale && pc.nsStale:
		pc.cause = actions.StaleNSSnapshot
	case psStale:
		pc.cause = actions.StalePSSnapshot
	case f.StatusPresent && f.StatusRecorded == vocab.Invalid:
		pc.cause = actions.StaleStatusFile
	default:
		pc.cause = actions.StatusLost
	}
	return pc, ""
}
