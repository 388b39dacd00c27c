package actions

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// pkgCause is the diagnosis of one pair in question. pair and files point
// into the planner's own copies of the observation (never nil).
type pkgCause struct {
	pair    *observed.Pair
	files   *observed.PackageFiles
	nsSnap  observed.Snapshot
	cause   Cause // "" when the pair is left alone
	nsStale bool
}

// serverDiag is the diagnosis of one observed, reachable server.
type serverDiag struct {
	host        vocab.Host
	agent       observed.AgentFacts
	notReceived bool // applied ≠ policy's credential, not (yet) received
	stuck       bool // applied ≠ what the NS held at the server's policy version
	behind      bool // stuck, and the NS has moved on since
	aclMissing  bool
	pkgs        []pkgCause
	inQuestion  bool // some pair needs a status report
}

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
func (d *serverDiag) diagnoseCredential(ns observed.NSState, want vocab.Credential, unmanaged bool, seen CredentialHistory) {
	applied, v := d.agent.Applied, d.agent.PolicyVersion
	switch {
	case unmanaged, applied.Equal(want):
	case v >= ns.PolicyVersion && !applied.Equal(ns.Credential):
		d.stuck = true
	case v < ns.PolicyVersion && knownOther(seen, v, applied):
		d.stuck, d.behind = true, true
	default:
		d.notReceived = true
	}
	if want.Mode.NeedsAccount() && !hasPrincipal(d.agent.FullControl, want.Account) {
		d.aclMissing = true
	}
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
	if p.Status.InProgress() && young(p.Since, now, grace) {
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
		pc.cause = StaleNSSnapshot
	case psStale:
		pc.cause = StalePSSnapshot
	case f.StatusPresent && f.StatusRecorded == vocab.Invalid:
		pc.cause = StaleStatusFile
	default:
		pc.cause = StatusLost
	}
	return pc, ""
}

// young reports whether a pair first seen at since is within the grace; an
// unknown first-seen time counts as just seen.
func young(since, now time.Time, grace time.Duration) bool {
	return since.IsZero() || now.Sub(since) < grace
}
