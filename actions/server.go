package actions

import (
	"fmt"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// planServer plans the remedies of one diagnosed server: package deletions,
// then update_configuration (one, or two inside the reset cycle), then
// grant_acl, then one resend_status, last.
func planServer(b *builder, sd *serverDiag, want vocab.Credential, g globals) {
	var pkgReqs [][]string
	var restores []Reason
	var deletions []string
	for _, pc := range sd.pkgs {
		reqs, restore := planPackage(b, sd.host, pc)
		pkgReqs = append(pkgReqs, reqs)
		deletions = union(deletions, psDeletions(reqs))
		if restore != nil {
			restores = append(restores, *restore)
		}
	}
	credFix := planUpdate(b, sd, want, g, restores, deletions)
	acl := planACL(b, sd, want, credFix)
	if !sd.inQuestion {
		return
	}
	planResend(b, sd, g, pkgReqs, credFix, acl)
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
	return len(id) > len(DeleteNSSnapshot) && id[:len(DeleteNSSnapshot)] == string(DeleteNSSnapshot)
}

// planUpdate plans update_configuration and returns the id of the one that
// fixes the server's credential ("" when the credential needs no fix).
func planUpdate(b *builder, sd *serverDiag, want vocab.Credential, g globals, restores []Reason, deletions []string) string {
	t := Target{Server: sd.host}
	facts := sd.credentialFacts()
	if sd.stuck && g.reset != "" {
		u1 := b.add(UpdateConfiguration, t, 1, Reason{Cause: CredentialStuck, Facts: facts,
			Requires: []string{g.reset},
			Message:  fmt.Sprintf("applied credential %s is stuck although the policy version is current; round 1 of the reset cycle", sd.agent.Applied)})
		u1.after(deletions...)
		b.byID[g.restore].after(u1.ID)
		u2 := b.add(UpdateConfiguration, t, 2, Reason{Cause: CredentialStuck, Facts: facts,
			Requires: []string{g.restore, u1.ID},
			Message:  fmt.Sprintf("round 2 of the reset cycle: apply %s", want)})
		addRestores(u2, restores)
		requireAll(u2, g.restore)
		return u2.ID
	}
	r, fixes := credentialReason(sd, want, g, facts)
	if r == nil && len(restores) == 0 {
		return ""
	}
	u := b.get(UpdateConfiguration, t, 0, "", "")
	if r != nil {
		u.addReason(*r)
	}
	addRestores(u, restores)
	u.after(deletions...)
	u.after(g.restore)
	requireAll(u, g.restore)
	if fixes {
		return u.ID
	}
	return ""
}

// credentialReason explains why the server must take a new configuration
// for its credential, or returns nil when its credential is right.
func credentialReason(sd *serverDiag, want vocab.Credential, g globals, facts []Fact) (*Reason, bool) {
	var req []string
	if g.restore != "" {
		req = []string{g.restore}
	}
	switch {
	case sd.stuck:
		return &Reason{Cause: CredentialStuck, Facts: facts, Requires: req,
			Message: fmt.Sprintf("applied credential %s is stuck; an anonymous NS setting releases it", sd.agent.Applied)}, true
	case sd.notReceived:
		return &Reason{Cause: CredentialNotReceived, Facts: facts, Requires: req, Message: sd.credentialMessage(want)}, true
	}
	return nil, false
}

// requireAll makes every reason of a need id: update_configuration applies
// whatever the NS holds, so while the NS awaits the policy's credential
// (a drift fix, a reset cycle's round 2) no update may run for any reason.
func requireAll(a *Action, id string) {
	if id == "" {
		return
	}
	for i := range a.Reasons {
		a.Reasons[i].Requires = union(a.Reasons[i].Requires, []string{id})
	}
}

func addRestores(a *Action, rs []Reason) {
	for _, r := range rs {
		a.addReason(r)
	}
}

// planACL plans grant_acl when the account lacks Full Control.
func planACL(b *builder, sd *serverDiag, want vocab.Credential, credFix string) string {
	if !sd.aclMissing {
		return ""
	}
	a := b.get(GrantACL, Target{Server: sd.host}, 0, "", want.Account)
	a.addReason(Reason{Cause: ACLMissing,
		Facts:   []Fact{{"account", want.Account}, {"full_control", aclLabel(sd.agent.FullControl)}},
		Message: fmt.Sprintf("%s lacks Full Control on Package Delivery (ACL: %s)", want.Account, aclLabel(sd.agent.FullControl))})
	a.after(credFix)
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
	t := Target{Server: sd.host}
	hard := union(b.idsOn(sd.host), []string{credFix, acl})
	a := b.get(ResendStatus, t, 0, "", "")
	update := MakeID(UpdateConfiguration, t, 0, "")
	if sd.stuck && g.reset != "" {
		update = MakeID(UpdateConfiguration, t, 2, "")
	}
	groups := map[Cause]*lostPairs{}
	needs := map[Cause][][]string{}
	for i, pc := range sd.pkgs {
		if groups[pc.cause] == nil {
			groups[pc.cause] = &lostPairs{}
		}
		groups[pc.cause].add(pc)
		needs[pc.cause] = append(needs[pc.cause], pkgReqs[i])
	}
	for _, cause := range []Cause{StaleNSSnapshot, StalePSSnapshot, StaleStatusFile} {
		if grp := groups[cause]; grp != nil {
			reqs := unionAll(append(needs[cause], hard, []string{update}))
			if cause == StaleStatusFile {
				reqs = unionAll(append(needs[cause], hard))
			}
			a.addReason(staleReason(cause, *grp, reqs))
		}
	}
	if lost := groups[StatusLost]; lost != nil {
		a.addReason(lostReason(sd, *lost, hard))
	}
	a.after(b.idsOn(sd.host)...)
	a.after(g.restore)
}

// staleReason explains the pairs of one file cause on a server, reported
// once their remedies are applied: one reason for all of them, so a server
// with many stale packages keeps a plan linear in their number.
func staleReason(cause Cause, g lostPairs, reqs []string) Reason {
	what := map[Cause]string{StaleNSSnapshot: "a stale NS snapshot", StalePSSnapshot: "a stale snapshot.xml",
		StaleStatusFile: "a stale PackageStatus.xml"}[cause]
	return Reason{Cause: cause, Requires: reqs,
		Message: fmt.Sprintf("%s not Ready (%s) from %s: report them once fixed (%s)",
			vocab.Count(g.n, "pair"), statusCounts(g.counts), what, strings.Join(g.names, "; ")),
		Facts: []Fact{{"pairs_not_ready", fmt.Sprint(g.n)}, {"statuses", statusCounts(g.counts)},
			{"examples", strings.Join(g.names, "; ")}}}
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
func lostReason(sd *serverDiag, lost lostPairs, hard []string) Reason {
	cause, why := StatusLost, "the package server holds current files; the last report was lost"
	switch {
	case sd.stuck:
		cause, why = CredentialStuck, "reports fail until the credential is applied"
	case sd.notReceived:
		cause, why = CredentialNotReceived, "reports fail until the credential is applied"
	case sd.aclMissing:
		cause, why = ACLMissing, "reports fail until the account has Full Control"
	}
	return Reason{Cause: cause, Requires: hard,
		Message: fmt.Sprintf("%s not Ready (%s): %s", vocab.Count(lost.n, "pair"), statusCounts(lost.counts), why),
		Facts:   []Fact{{"pairs_not_ready", fmt.Sprint(lost.n)}, {"statuses", statusCounts(lost.counts)}, {"examples", strings.Join(lost.names, "; ")}}}
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
		if b.byID[id].Kind != ResendStatus {
			out = append(out, id)
		}
	}
	return out
}
