package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Incident keys the controller opens and resolves.
const (
	KeyBreaker  = "breaker"
	KeyCMDB     = "cmdb_unreadable"
	KeyJournal  = "journal_problem"
	KeyPolicy   = "policy_rejected"
	KeyApproval = "approval_needed"
)

// BreakerTrippedEvent says the circuit breaker paused enforcement.
func BreakerTrippedEvent(at time.Time, reason string) Event {
	return Event{Kind: BreakerTripped, Severity: Critical, Key: KeyBreaker, Time: at,
		Summary: "Circuit breaker tripped: enforcement is paused",
		Details: map[string]string{"reason": reason, "next step": "reconciler breaker status; reconciler breaker reset once the cause is understood"}}
}

// BreakerClosedEvent resolves BreakerTrippedEvent.
func BreakerClosedEvent(at time.Time, reason string) Event {
	ev := Event{Kind: BreakerClosed, Severity: Info, Key: KeyBreaker, Time: at, Resolved: true,
		Summary: "Circuit breaker closed: enforcement resumes"}
	if reason != "" {
		ev.Details = map[string]string{"reason": reason}
	}
	return ev
}

// CMDBUnreadableEvent says the CMDB could not be read since since.
func CMDBUnreadableEvent(now, since time.Time, problem string) Event {
	d := now.Sub(since).Round(time.Second)
	return Event{Kind: CMDBUnreadable, Severity: Critical, Key: KeyCMDB, Time: now,
		Summary: fmt.Sprintf("CMDB unreadable for %s: nothing is planned or applied", d),
		Details: map[string]string{"since": since.UTC().Format(time.RFC3339), "error": problem}}
}

// CMDBReadableEvent resolves CMDBUnreadableEvent.
func CMDBReadableEvent(now time.Time) Event {
	return Event{Kind: Recovered, Severity: Info, Key: KeyCMDB, Time: now, Resolved: true,
		Summary: "CMDB readable again"}
}

// JournalProblemEvent says the audit journal could not be written.
func JournalProblemEvent(now time.Time, problem string) Event {
	return Event{Kind: JournalProblem, Severity: Critical, Key: KeyJournal, Time: now,
		Summary: "Audit journal cannot be written: no action runs without its record",
		Details: map[string]string{"error": problem}}
}

// JournalOKEvent resolves JournalProblemEvent.
func JournalOKEvent(now time.Time) Event {
	return Event{Kind: Recovered, Severity: Info, Key: KeyJournal, Time: now, Resolved: true,
		Summary: "Audit journal written again"}
}

// PolicyRejectedEvent says a policy change failed validation; the policy
// in force stays. Further rejections are not sent until a policy loads.
func PolicyRejectedEvent(now time.Time, file, problem string) Event {
	return Event{Kind: PolicyRejected, Severity: Warning, Key: KeyPolicy, Time: now,
		Summary: "Policy change rejected; the previous policy stays in force",
		Details: map[string]string{"policy": file, "error": problem, "next step": "reconciler policy check " + file}}
}

// PolicyLoadedEvent resolves PolicyRejectedEvent.
func PolicyLoadedEvent(now time.Time, file string) Event {
	return Event{Kind: Recovered, Severity: Info, Key: KeyPolicy, Time: now, Resolved: true,
		Summary: "Policy loaded", Details: map[string]string{"policy": file}}
}

// ApprovalNeededEvent says actions of a plan wait for an approval. Its key
// is the set of actions: the same actions waiting in later passes (in
// plans that changed around them) are not told again; a changed set is,
// and replaces the earlier one.
func ApprovalNeededEvent(now time.Time, plan string, actionIDs []string) Event {
	shown := actionIDs
	if len(shown) > 10 {
		shown = shown[:10]
	}
	list := strings.Join(shown, ", ")
	if len(actionIDs) > len(shown) {
		list += fmt.Sprintf(", and %d more", len(actionIDs)-len(shown))
	}
	noun := "actions wait"
	if len(actionIDs) == 1 {
		noun = "action waits"
	}
	h := sha256.Sum256([]byte(strings.Join(actionIDs, "\n")))
	return Event{Kind: ApprovalNeeded, Severity: Warning, Key: KeyApproval + "/" + hex.EncodeToString(h[:6]),
		Replaces: KeyApproval, Time: now,
		Summary: fmt.Sprintf("%d %s for approval in plan %s", len(actionIDs), noun, plan),
		Details: map[string]string{"plan": plan, "actions": list, "count": strconv.Itoa(len(actionIDs)),
			"next step": "reconciler plan; reconciler approve " + plan}}
}

// ApprovalsClearEvent resolves every ApprovalNeededEvent: nothing waits.
func ApprovalsClearEvent(now time.Time) Event {
	return Event{Kind: Recovered, Severity: Info, Key: KeyApproval, Time: now, Resolved: true,
		Summary: "No action waits for approval"}
}

// StalledEvent says the controller gave up on a server (or one package on
// it) until its evidence changes or an admin retries it.
func StalledEvent(now time.Time, server, pkg, why string) Event {
	return Event{Kind: Stalled, Severity: Critical, Subject: Subject{Server: server, Package: pkg}, Time: now,
		Key: join("stalled", server, pkg), Summary: "Stalled on " + strings.TrimSpace(server+" "+pkg) + ": a person is needed",
		Details: map[string]string{"why": why}}
}

// UnstalledEvent resolves StalledEvent.
func UnstalledEvent(now time.Time, server, pkg string) Event {
	return Event{Kind: Recovered, Severity: Info, Subject: Subject{Server: server, Package: pkg}, Time: now,
		Key: join("stalled", server, pkg), Resolved: true, Summary: "No longer stalled: " + strings.TrimSpace(server+" "+pkg)}
}

// EscalatedEvent says a remedy did not work and the next rung is tried.
func EscalatedEvent(now time.Time, server, pkg string, rung int, why string) Event {
	return Event{Kind: Escalated, Severity: Warning, Subject: Subject{Server: server, Package: pkg}, Time: now,
		Key:     join("escalated", server, pkg) + "/rung" + strconv.Itoa(rung),
		Summary: fmt.Sprintf("Remedy not effective on %s: escalated to rung %d", strings.TrimSpace(server+" "+pkg), rung),
		Details: map[string]string{"why": why, "rung": strconv.Itoa(rung)}}
}

// EscalationsClearEvent resolves every EscalatedEvent of a server (or
// package): its remedy was verified.
func EscalationsClearEvent(now time.Time, server, pkg string) Event {
	return Event{Kind: Recovered, Severity: Info, Subject: Subject{Server: server, Package: pkg}, Time: now,
		Key: join("escalated", server, pkg), Resolved: true, Summary: "Remedy verified: " + strings.TrimSpace(server+" "+pkg)}
}

// TestEvent is what `reconciler notify test` sends.
func TestEvent(now time.Time, from string) Event {
	return Event{Kind: Test, Severity: Info, Time: now, Key: "test/" + strconv.FormatInt(now.UnixNano(), 10),
		Summary: "Test notification from reconciler", Details: map[string]string{"from": from}}
}

func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "/")
}
