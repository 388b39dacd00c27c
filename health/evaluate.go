package health

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// readyElsewhere labels Ready rows at a version other than the NS's.
const readyElsewhere = "Ready at another version"

// evaluateServer sets the four conditions of one server.
func evaluateServer(want desired.Server, obs *observed.Observation, now time.Time) ServerHealth {
	agent, observedAgent := obs.Agent(want.Name)
	s := ServerHealth{Name: want.Name}
	reach := reachable(agent, observedAgent)
	s.Conditions = []Condition{
		reach,
		credentialApplied(want, agent, reach, obs),
		aclInPlace(want, agent, reach),
		packagesReady(want, obs, now, &s),
	}
	if obs.Conflicted(want.Name) {
		// nothing is observed or planned for it: say why in every
		// condition left Unknown, so that its main reason is the conflict
		for i := range s.Conditions {
			if s.Conditions[i].Status == Unknown {
				s.Conditions[i].Reason = ReasonCMDBConflict
			}
		}
	}
	return s
}

func reachable(a observed.Agent, ok bool) Condition {
	c := Condition{Type: Reachable}
	switch {
	case !ok:
		c.Status, c.Reason, c.Message = Unknown, ReasonNotObserved, "agent not observed in this pass"
	case a.Reachable:
		c.Status, c.Reason = True, ReasonReachable
		c.Message = fmt.Sprintf("agent answered (policy version %d)", a.Facts.PolicyVersion)
		if a.Facts.PolicyVersionUnknown != "" {
			c.Message = "agent answered (policy version unknown: " + a.Facts.PolicyVersionUnknown + ")"
		}
	case a.Terminal:
		c.Status, c.Reason, c.Message = False, ReasonRemoteManagementRefused, a.Error
	default:
		c.Status, c.Reason, c.Message = False, ReasonUnreachable, a.Error
	}
	return c
}

// notObserved is the Unknown condition of a server whose agent did not
// answer: nothing is known about its credential or ACL.
func notObserved(t ConditionType, reach Condition) Condition {
	reason := ReasonNotObserved
	if reach.Status == False {
		reason = reach.Reason
	}
	return Condition{Type: t, Status: Unknown, Reason: reason, Message: "agent did not answer"}
}

func credentialApplied(want desired.Server, a observed.Agent, reach Condition, obs *observed.Observation) Condition {
	if reach.Status != True {
		return notObserved(CredentialApplied, reach)
	}
	applied := a.Facts.Applied
	c := Condition{Type: CredentialApplied, Status: False}
	switch {
	case a.Facts.AppliedUnknown != "":
		c.Status, c.Reason = Unknown, ReasonCredentialUnknown
		c.Message = "applied credential unknown: " + a.Facts.AppliedUnknown + evidenceNote(a.Facts.Evidence)
	case obs.NSUnmanaged:
		c.Status, c.Reason = Unknown, ReasonCredentialNotManaged
		c.Message = fmt.Sprintf("applied %s; the NS setting is not managed on this site", applied)
	case want.CredentialApplied(applied):
		c.Status, c.Reason, c.Message = True, ReasonCredentialApplied, "applied "+applied.String()
	case obs.NSErr != nil:
		c.Reason = ReasonCredentialMismatch
		c.Message = fmt.Sprintf("applied %s; policy wants %s; NS setting unknown", applied, want.Credential)
	case !obs.NS.Credential.Equal(want.Credential):
		c.Reason = ReasonNSCredentialDrift
		c.Message = fmt.Sprintf("applied %s; policy wants %s, but the NS is set to %s",
			applied, want.Credential, obs.NS.Credential)
	case a.Facts.PolicyVersionUnknown != "":
		c.Reason = ReasonCredentialMismatch
		c.Message = fmt.Sprintf("applied %s, NS wants %s; policy version unknown (%s): not received and stuck cannot be told apart",
			applied, want.Credential, a.Facts.PolicyVersionUnknown)
	case a.Facts.PolicyVersion < obs.NS.PolicyVersion:
		c.Reason = ReasonCredentialNotReceived
		c.Message = fmt.Sprintf("applied %s, NS wants %s; PS has policy version %d, NS %d",
			applied, want.Credential, a.Facts.PolicyVersion, obs.NS.PolicyVersion)
	default:
		c.Reason = ReasonCredentialStuck
		c.Message = fmt.Sprintf("applied %s, NS wants %s, though the PS has the current policy version %d",
			applied, want.Credential, a.Facts.PolicyVersion)
	}
	return c
}

// evidenceNote renders KB 179719's folder and status-report evidence for
// a message ("" when there is none).
func evidenceNote(e observed.CredentialEvidence) string {
	var parts []string
	if e.BareFolders > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d package folders grant only Administrators and SYSTEM", e.BareFolders, e.FoldersRead))
	}
	if e.TrustErrors > 0 {
		parts = append(parts, fmt.Sprintf("%d status reports record the 1789 trust error", e.TrustErrors))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}

func aclInPlace(want desired.Server, a observed.Agent, reach Condition) Condition {
	if reach.Status != True {
		return notObserved(AclInPlace, reach)
	}
	c := Condition{Type: AclInPlace}
	switch {
	case want.Account == "":
		c.Status, c.Reason, c.Message = True, ReasonNoAccountNeeded, "anonymous access needs no account"
	case want.ACLInPlace(a.Facts.FullControl):
		c.Status, c.Reason = True, ReasonAccountHasFullControl
		c.Message = want.Account + " has Full Control on Package Delivery"
	default:
		acl := "none"
		if len(a.Facts.FullControl) > 0 {
			acl = strings.Join(a.Facts.FullControl, ", ")
		}
		c.Status, c.Reason = False, ReasonAccountLacksFullControl
		c.Message = fmt.Sprintf("%s lacks Full Control on Package Delivery (ACL: %s)", want.Account, acl)
	}
	return c
}

// packagesReady judges the server's pairs in question and fills s's counts.
func packagesReady(want desired.Server, obs *observed.Observation, now time.Time, s *ServerHealth) Condition {
	c := Condition{Type: PackagesReady}
	if obs.CMDBErr != nil {
		s.Counts = map[string]int{}
		c.Status, c.Reason, c.Message = Unknown, ReasonCMDBUnreadable, "CMDB could not be read"
		return c
	}
	if obs.Conflicted(want.Name) {
		s.Counts = map[string]int{}
		c.Status, c.Reason = Unknown, ReasonCMDBConflict
		c.Message = "the CMDB names this server two ways (see conflicts); its rows are left alone"
		return c
	}
	pairs := obs.PairsOf(want.Name)
	var complete bool
	s.Counts, complete = counts(obs, want.Name, pairs)
	bad := map[string]int{}
	for _, p := range pairs {
		switch want.Judge(p, now) {
		case desired.PairInGrace:
			s.InGrace++
		case desired.PairNotReady:
			s.NotReady++
			label := string(p.Status)
			if p.Status == vocab.Ready {
				label = readyElsewhere
			}
			bad[label]++
		}
	}
	total := sum(s.Counts)
	switch {
	case s.NotReady > 0:
		c.Status, c.Reason = False, ReasonRowsNotReady
		c.Message = fmt.Sprintf("%s not Ready (%s)", ofTotal(s.NotReady, total, complete), breakdown(bad))
	case s.InGrace > 0:
		c.Status, c.Reason = True, ReasonDownloadsInGrace
		c.Message = fmt.Sprintf("%s downloading within the pending grace", ofTotal(s.InGrace, total, complete))
	default:
		c.Status, c.Reason = True, ReasonAllRowsReady
		if complete {
			c.Message = rows(total) + " Ready"
		}
	}
	return c
}

// counts are the CMDB's counts by status when the server list holds the
// server (complete), else the counts of the rows in question.
func counts(obs *observed.Observation, name vocab.Host, pairs []observed.Pair) (map[string]int, bool) {
	if srv, ok := obs.Server(name); ok {
		return srv.Counts, true
	}
	m := map[string]int{}
	for _, p := range pairs {
		m[string(p.Status)]++
	}
	return m, false
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func ofTotal(n, total int, complete bool) string {
	if complete && total >= n {
		return fmt.Sprintf("%d of %s", n, rows(total))
	}
	return rows(n)
}

func rows(n int) string {
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}

// breakdown renders counts by label, largest first, ties by label.
func breakdown(m map[string]int) string {
	labels := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(labels, func(a, b string) int { return m[b] - m[a] })
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = fmt.Sprintf("%d %s", m[l], l)
	}
	return strings.Join(parts, ", ")
}
