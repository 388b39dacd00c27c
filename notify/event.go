package notify

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Kind is what happened. The names are a contract: policies filter on them
// and receivers route on them.
type Kind string

// Event kinds. Incidents open when they happen and are sent once until
// they resolve; BreakerClosed and Recovered are resolutions (see
// Event.Resolved); Test is `reconciler notify test`.
const (
	Stalled        Kind = "stalled"
	Escalated      Kind = "escalated"
	BreakerTripped Kind = "breaker_tripped"
	BreakerClosed  Kind = "breaker_closed"
	ApprovalNeeded Kind = "approval_needed"
	PolicyRejected Kind = "policy_rejected"
	CMDBUnreadable Kind = "cmdb_unreadable"
	JournalProblem Kind = "journal_problem"
	Recovered      Kind = "recovered"
	Test           Kind = "test"
)

// Kinds lists every kind in a stable order.
var Kinds = []Kind{Stalled, Escalated, BreakerTripped, BreakerClosed, ApprovalNeeded,
	PolicyRejected, CMDBUnreadable, JournalProblem, Recovered, Test}

// ParseKind validates a kind name.
func ParseKind(s string) (Kind, error) {
	if k := Kind(s); slices.Contains(Kinds, k) {
		return k, nil
	}
	return "", fmt.Errorf("unknown event kind %q", s)
}

// Severity orders events; a receiver's min_severity filters on it.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Warning
	Critical
)

var severityNames = []string{"info", "warning", "critical"}

// String is the severity's policy name.
func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads "info", "warning" or "critical".
func ParseSeverity(s string) (Severity, error) {
	if i := slices.Index(severityNames, s); i >= 0 {
		return Severity(i), nil
	}
	return Info, fmt.Errorf("unknown severity %q: want info, warning or critical", s)
}

// Subject is what an event is about. Empty fields do not apply: an event
// about the whole site names only the NS.
type Subject struct {
	NS      string `json:"ns,omitempty"`
	Server  string `json:"server,omitempty"`
	Package string `json:"package,omitempty"`
}

// String renders the subject as "NS", "NS PS001" or "NS PS001 {guid}".
func (s Subject) String() string {
	var parts []string
	for _, p := range []string{s.NS, s.Server, s.Package} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// Event is one thing to tell. The controller builds it (see the
// constructors in events.go); the notifier decides whether, to whom and
// when it is sent.
type Event struct {
	Kind     Kind
	Severity Severity
	Subject  Subject
	// Summary is one line for a person.
	Summary string
	// Details are facts shown beside the summary, sorted by name.
	Details map[string]string
	// Key identifies the incident: an incident whose key is open is not
	// sent again. Empty means the kind and the subject.
	Key string
	// Time is when it happened.
	Time time.Time
	// Replaces, on an incident, closes without a word the open incidents
	// whose key starts with Replaces + "/" (a newer state of the same
	// thing: the set of actions waiting for approval changed), so that one
	// resolution ends it.
	Replaces string
	// Resolved marks a resolution: it closes every open incident whose key
	// is Key or starts with Key + "/", and is sent to the receivers that
	// were sent the incident. A resolution of nothing open is dropped.
	Resolved bool
}

// DedupeKey returns Key, or the kind and subject when Key is empty.
func (e Event) DedupeKey() string {
	if e.Key != "" {
		return e.Key
	}
	k := string(e.Kind)
	for _, p := range []string{e.Subject.Server, e.Subject.Package} {
		if p != "" {
			k += "/" + p
		}
	}
	return k
}

// DetailNames returns the names of the details, sorted.
func (e Event) DetailNames() []string { return slices.Sorted(maps.Keys(e.Details)) }

// covers reports whether a resolution key closes incident key k.
func covers(resolution, k string) bool {
	return k == resolution || strings.HasPrefix(k, resolution+"/")
}
