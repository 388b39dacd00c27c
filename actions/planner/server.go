package planner

import (
	"fmt"
	"github.com/itms-tools/reconciler/actions"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// planServer plans the remedies of one diagnosed server: package deletions,
// then update_configuration (one, or two inside the reset cycle), then
// grant_acl, then one resend_status, last.
func planServer(b *builder, sd *serverDiag, want vocab.Credential, g globals) {
	var pkgReqs [][]string
	var restores []actions.Reason
	var deletions []string
	ns := nsNeeds(sd)
	for _, pc := range sd.pkgs {
		reqs, restore := planPackage(b, sd.host, pc, ns)
		pkgReqs = append(pkgReqs, reqs)
		deletions = append(deletions, psDeletions(reqs)...)
		if restore != nil {
			restores = append(restores, *restore)
		}
	}
	deletions = union(nil, deletions) // sorted once for the server, not merged again for every package
	credFix := planUpdate(b, sd, want, g, restores, deletions)
	acl := planACL(b, sd, want, credFix)
	if !sd.inQuestion {
		return
	}
	planResend(b, sd, g, pkgReqs, credFix, acl)
}

// nsNeeds lists the NS remedies the server's file remedies wait for: the
// deletion and the refresh of every stale NS snapshot of its packages. A
// server's snapshot deletions and the update that restores them wait
// together until every NS snapshot they depend on is rebuilt, so that
// under a cap on NS deletions each server takes one update, after the
// last batch, rather than one per batch; its status report waits for the
// last batch anyway.
func nsNeeds(sd *serverDiag) []string {
	var out []string
	for _, pc := range sd.pkgs {
		if pc.cause == actions.StaleNSSnapshot {
			out = append(out, refreshID, actions.FormatID(actions.DeleteNSSnapshot, actions.Target{Package: pc.pair.Package}, 0, ""))
		}
	}
	return union(nil, out)
}

// psDeletions keeps the ids of PS-side deletions.
func psDeletions(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id != refreshID && !isNSDelete(id) {
			out = append(out, id)
		}
	}
	return out
}

func isNSDelete(id string) bool {
	a, err := actions.ParseID(id)
	return err == nil && a.Kind == actions.DeleteNSSnapshot
}

// planUpdate plans update_configuration and returns the id of the one that
// fixes the server's credential ("" when the credential needs no fix).
// Outside the reset cycle, only the credential reason needs the NS change:
// an update made while the NS still holds its old setting applies that
// setting again and restores the snapshots, which is harmless, and the
// update after the change is a new one in a later pass.
func planUpdate(b *builder, sd *serverDiag, want vocab.Credential, g globals, restores []actions.Reason, deletions []string) string {
	facts := sd.credentialFacts()
	if sd.stuck && g.cycle {
		return planCycleUpdates(b, sd, want, g, facts, restores, deletions)
	}
	r, fixes := credentialReason(sd, want, g, facts)
	if r == nil && len(restores) == 0 {
		return ""
	}
	u := b.get(actions.UpdateConfiguration, actions.Target{Server: sd.host}, 0, "", "")
	if r != nil {
		addReason(u, *r)
	}
	addRestores(u, restores)
	after(u, deletions...)
	after(u, g.restore)
	if fixes {
		return u.ID
	}
	return ""
}

// planCycleUpdates plans a stuck server's two updates inside the reset
// cycle; the second also restores the snapshots deleted on the server.
func planCycleUpdates(b *builder, sd *serverDiag, want vocab.Credential, g globals, facts []actions.Fact,
	restores []actions.Reason, deletions []string) string {
	t := actions.Target{Server: sd.host}
	why := "is stuck although the policy version is current"
	switch {
	case sd.rung == actions.RungProcedure1:
		why = "did not let the reports through after the remedy below: Procedure 1 runs the reset cycle"
	case sd.behind:
		why = fmt.Sprintf("differs from what the NS held at the policy version it has (%d): it received that setting and did not apply it", sd.agent.PolicyVersion)
	}
	u1 := b.add(actions.UpdateConfiguration, t, 1, actions.Reason{Cause: actions.CredentialStuck, Facts: facts,
		Requires: []string{g.reset},
		Message:  fmt.Sprintf("applied credential %s %s; round 1 of the reset cycle", sd.agent.Applied, why)})
	after(u1, deletions...)
	after(b.byID[g.restore], u1.ID)
	u2 := b.add(actions.UpdateConfiguration, t, 2, actions.Reason{Cause: actions.CredentialStuck, Facts: facts,
		Requires: []string{g.restore, u1.ID},
		Message:  fmt.Sprintf("round 2 of the reset cycle: apply %s", want)})
	addRestores(u2, restores)
	requireAll(u2, g.restore)
	return u2.ID
}

// credentialReason explains why the server must take a new configuration
// for its credential, or returns nil when its credential is right.
func credentialReason(sd *serverDiag, want vocab.Credential, g globals, facts []actions.Fact) (*actions.Reason, bool) {
	var req []string
	if g.restore != "" {
		req = []string{g.restore}
	}
	switch {
	case sd.stuck:
		return &actions.Reason{Cause: actions.CredentialStuck, Facts: facts, Requires: req,
			Message: fmt.Sprintf("applied credential %s is stuck; an anonymous NS setting releases it", sd.agent.Applied)}, true
	case sd.notReceived:
		return &actions.Reason{Cause: actions.CredentialNotReceived, Facts: facts, Requires: req, Message: sd.credentialMessage(want)}, true
	}
	return nil, false
}

// requireAll makes every reason of a need id: a stuck server's second
// update exists to apply the credential round 2 gives back, so none of
// its reasons may run before round 2.
func requireAll(a *actions.Action, id string) {
	if id == "" {
		return
	}
	for i := range a.Reasons {
		a.Reasons[i].Requires = union(a.Reasons[i].Requires, []string{id})
	}
}

func addRestores(a *actions.Action, rs []actions.Reason) {
	for _, r := range rs {
		addReason(a, r)
	}
}

// planACL plans grant_acl when the account lacks Full Control.
func planACL(b *builder, sd *serverDiag, want vocab.Credential, credFix string) string {
	if !sd.aclMissing {
		return ""
	}
	a := b.get(actions.GrantACL, actions.Target{Server: sd.host}, 0, "", want.Account)
	addReason(a, actions.Reason{Cause: actions.ACLMissing,
		Facts:   []actions.Fact{{Name: "account", Value: want.Account}, {Name: "full_control", Value: aclLabel(sd.agent.FullControl)}},
		Message: fmt.Sprintf("%s lacks Full Control on Package Delivery (ACL: %s)", want.Account, aclLabel(sd.agent.FullControl))})
	after(a, credFix)
	return a.ID
}

// planResend plans the server's single resend_status, last on it. Every
// reason requires every other action on the server: a report made while a
// remedy is held rewrites that package's status file as Invalid, and its
// deletion would have to be done again. A stale pair's reason names that
// pair's remedy; the credential and ACL fixes, without which any report is
// Invalid, are among the requirements. Pairs that only need reporting share
// one reason.
func planResend(b *builder, sd *serverDiag, g globals, pkgReqs [][]string, credFix, acl string) {
	t := actions.Target{Server: sd.host}
	hard := union(b.idsOn(sd.host), []string{credFix, acl})
	a := b.get(actions.ResendStatus, t, 0, "", "")
	update := actions.FormatID(actions.UpdateConfiguration, t, 0, "")
	if sd.stuck && g.cycle {
		update = actions.FormatID(actions.UpdateConfiguration, t, 2, "")
	}
	groups := map[actions.Cause]*lostPairs{}
	needs := map[actions.Cause][][]string{}
	for i, pc := range sd.pkgs {
		if groups[pc.cause] == nil {
			groups[pc.cause] = &lostPairs{}
		}
		groups[pc.cause].add(pc)
		needs[pc.cause] = append(needs[pc.cause], pkgReqs[i])
	}
	for _, cause := range []actions.Cause{actions.StaleNSSnapshot, actions.StalePSSnapshot, actions.StaleStatusFile} {
		if grp := groups[cause]; grp != nil {
			reqs := unionAll(append(needs[cause], hard, []string{update}))
			if cause == actions.StaleStatusFile {
				reqs = unionAll(append(needs[cause], hard))
			}
			addReason(a, staleReason(cause, *grp, reqs))
		}
	}
	if lost := groups[actions.StatusLost]; lost != nil {
		addReason(a, lostReason(sd, *lost, hard))
	}
	if sd.rung > actions.RungEvidence {
		all := [][]string{hard}
		for _, r := range a.Reasons {
			all = append(all, r.Requires)
		}
		addReason(a, escalationReason(sd, unionAll(all)))
	}
	after(a, b.idsOn(sd.host)...)
	after(a, g.restore)
}

// staleReason explains the pairs of one file cause on a server, reported
// once their remedies are applied: one reason for all of them, so a server
// with many stale packages keeps a plan linear in their number.
func staleReason(cause actions.Cause, g lostPairs, reqs []string) actions.Reason {
	what := map[actions.Cause]string{actions.StaleNSSnapshot: "a stale NS snapshot", actions.StalePSSnapshot: "a stale snapshot.xml",
		actions.StaleStatusFile: "a stale PackageStatus.xml"}[cause]
	return actions.Reason{Cause: cause, Requires: reqs,
		Message: fmt.Sprintf("%s not Ready (%s) from %s: report them once fixed (%s)",
			vocab.Count(g.n, "pair"), statusCounts(g.counts), what, strings.Join(g.names, "; ")),
		Facts: []actions.Fact{{Name: "pairs_not_ready", Value: fmt.Sprint(g.n)}, {Name: "statuses", Value: statusCounts(g.counts)},
			{Name: "examples", Value: strings.Join(g.names, "; ")}}}
}

// unionAll is the sorted set union of lists, without empty strings.
func unionAll(lists [][]string) []string {
	var all []string
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	if len(all) > 0 && all[0] == "" {
		all = all[1:]
	}
	return all
}

// lostPairs sums up the pairs that only need a new status report.
type lostPairs struct {
	n      int
	counts map[vocab.Status]int
	names  []string // the first three
}

func (l *lostPairs) add(pc pkgCause) {
	if l.counts == nil {
		l.counts = map[vocab.Status]int{}
	}
	l.n++
	l.counts[pc.pair.Status]++
	if len(l.names) < 3 {
		l.names = append(l.names, packageLabel(pc))
	}
}

// lostReason explains the pairs that only need a new status report: the
// report was lost, or it failed for a server-wide cause fixed first.
func lostReason(sd *serverDiag, lost lostPairs, hard []string) actions.Reason {
	cause, why := actions.StatusLost, "the package server holds current files; the last report was lost"
	switch {
	case sd.trustShows() && sd.rung == actions.RungProcedure1: // the cycle raised: the credential may be why
		cause, why = actions.CredentialStuck, trustWhy(sd.rung)
	case sd.stuck:
		cause, why = actions.CredentialStuck, "reports fail until the credential is applied"
	case sd.notReceived:
		cause, why = actions.CredentialNotReceived, "reports fail until the credential is applied"
	case sd.aclMissing:
		cause, why = actions.ACLMissing, "reports fail until the account has Full Control"
	case sd.trustShows() && sd.rung == actions.RungEvidence:
		why = trustWhy(sd.rung)
	}
	return actions.Reason{Cause: cause, Requires: hard,
		Message: fmt.Sprintf("%s not Ready (%s): %s", vocab.Count(lost.n, "pair"), statusCounts(lost.counts), why),
		Facts:   []actions.Fact{{Name: "pairs_not_ready", Value: fmt.Sprint(lost.n)}, {Name: "statuses", Value: statusCounts(lost.counts)}, {Name: "examples", Value: strings.Join(lost.names, "; ")}}}
}

// trustShows reports whether the server's status reports or agent.log
// show the 1789 trust error.
func (d *serverDiag) trustShows() bool {
	return d.agent.Evidence.TrustErrors > 0 || slices.ContainsFunc(d.agent.LogSignatures, isTrustSign)
}

// trustWhy explains a 1789 trust error before the credential remedies were
// all tried: it may be a wrong credential, not a broken domain trust.
func trustWhy(r actions.Rung) string {
	next := "Procedure 1 (the reset cycle) next if this resend does not help"
	if r == actions.RungProcedure1 {
		next = "if Procedure 1 does not help either, the trust itself is broken"
	}
	return "reports fail with the 1789 trust error, which may be a wrong credential rather than a broken domain trust " +
		"until the credential remedies were tried: " + next
}

func statusCounts(c map[vocab.Status]int) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, string(k))
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, c[vocab.Status(k)])
	}
	return strings.Join(parts, ", ")
}

// idsOn lists every action on a server (except resend_status).
func (b *builder) idsOn(h vocab.Host) []string {
	var out []string
	for _, id := range b.onServer[h] {
		if b.byID[id].Kind != actions.ResendStatus {
			out = append(out, id)
		}
	}
	return out
}
