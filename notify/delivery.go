package notify

import "time"

// Outcome is what became of one attempt at a message, or of the message.
type Outcome string

// Outcomes. Every message ends in exactly one of Delivered, GaveUp,
// Dropped or Superseded; Failed is an attempt that will be retried.
const (
	// Delivered: the receiver accepted the message.
	Delivered Outcome = "delivered"
	// Failed: an attempt failed and will be retried after a backoff.
	Failed Outcome = "failed"
	// GaveUp: the last attempt failed, or the failure cannot be cured by
	// retrying (a rejected payload, a refused login, a missing STARTTLS).
	GaveUp Outcome = "gave_up"
	// Dropped: the receiver's queue was full (or the notifier stopped)
	// and this was the oldest message of the lowest severity.
	Dropped Outcome = "dropped"
	// Superseded: the incident resolved before its message left the queue,
	// so neither it nor its resolution was sent.
	Superseded Outcome = "superseded"
)

// Delivery is the journal record of one outcome. It never holds a
// secret: Error comes from the senders, which keep URLs and passwords out
// of their errors, and the journal scrubs the notifier's secrets too.
type Delivery struct {
	Time     time.Time `json:"-"`
	Receiver string    `json:"receiver"`
	Type     string    `json:"receiver_type"`
	Message  string    `json:"message"` // Message.ID
	Key      string    `json:"key"`
	Kind     Kind      `json:"event"`
	Status   Status    `json:"status"`
	Outcome  Outcome   `json:"outcome"`
	Attempt  int       `json:"attempt,omitempty"`
	Error    string    `json:"-"`
	Subject  Subject   `json:"-"`
}

// Journal records delivery outcomes (the daemon's audit journal). A
// failing journal is logged, never retried: a notification never waits on
// it.
type Journal interface {
	RecordDelivery(Delivery) error
}

// JournalFunc adapts a function to Journal.
type JournalFunc func(Delivery) error

// RecordDelivery calls f.
func (f JournalFunc) RecordDelivery(d Delivery) error { return f(d) }
