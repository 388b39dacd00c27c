package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Status says whether a message opens an incident or resolves one.
type Status string

// Statuses. A test message is firing.
const (
	Firing   Status = "firing"
	Resolved Status = "resolved"
)

// Message is what a receiver is asked to deliver: an event for one
// receiver, with its incident when it is a resolution.
type Message struct {
	// ID is the same for every attempt at this message, so that a receiver
	// can drop a repeat (see the webhook's X-Reconciler-Delivery).
	ID       string
	Receiver string
	Status   Status
	Event    Event
	// Incident is the event the resolution closes (Status Resolved only).
	Incident *Event
}

// newMessage builds a message with its ID derived from the receiver, the
// incident key, the status and the event time: stable across retries, new
// for every new incident.
func newMessage(receiver string, st Status, ev Event, incident *Event) Message {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%d", receiver, ev.DedupeKey(), st, ev.Time.UnixNano()))
	return Message{ID: hex.EncodeToString(h[:12]), Receiver: receiver, Status: st, Event: ev, Incident: incident}
}

// Severity is the message's weight in a full queue: a resolution weighs
// what its incident weighed, so that the end of an incident is never
// dropped before lesser news.
func (m Message) Severity() Severity {
	if m.Incident != nil {
		return m.Incident.Severity
	}
	return m.Event.Severity
}

// Title is the message's one-line headline.
func (m Message) Title() string {
	if m.Status == Resolved {
		return "RESOLVED: " + m.Event.Summary
	}
	return strings.ToUpper(m.Event.Severity.String()) + ": " + m.Event.Summary
}

// Fact is one name and value shown with a message.
type Fact struct{ Name, Value string }

// Facts are what every rendering shows besides the title: the event, its
// severity, subject and time, its details sorted by name, and for a
// resolution what was open and for how long.
func (m Message) Facts() []Fact {
	e := m.Event
	fs := []Fact{{"event", string(e.Kind)}, {"severity", e.Severity.String()}}
	if s := e.Subject.String(); s != "" {
		fs = append(fs, Fact{"subject", s})
	}
	fs = append(fs, Fact{"time", e.Time.UTC().Format(time.RFC3339)})
	for _, n := range e.DetailNames() {
		fs = append(fs, Fact{n, e.Details[n]})
	}
	if in := m.Incident; in != nil {
		fs = append(fs, Fact{"was", string(in.Kind) + ": " + in.Summary},
			Fact{"open for", e.Time.Sub(in.Time).Round(time.Second).String()})
	}
	return append(fs, Fact{"key", e.DedupeKey()})
}

// footer is the small print under a chat message's title: who sends it and
// about what.
func (m Message) footer() string {
	if s := m.Event.Subject.String(); s != "" {
		return "reconciler · " + s
	}
	return "reconciler"
}
