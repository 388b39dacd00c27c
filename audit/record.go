package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"time"
)

// Type is the kind of a journal record.
type Type string

// Record types. The names are a contract: `reconciler audit` filters and
// admins' own tools use them.
const (
	// TypeIntent is written before an action runs; the action runs only
	// after Append returned.
	TypeIntent Type = "intent"
	// TypeOutcome closes an intent (applied, failed), or stands alone for an
	// action that never got an intent (deferred, skipped).
	TypeOutcome        Type = "outcome"
	TypePassStart      Type = "pass_start"
	TypePassEnd        Type = "pass_end"
	TypePolicyReload   Type = "policy_reload"
	TypePolicyRejected Type = "policy_rejected"
	// TypeApproval records who approved what: Plan, and Action for one
	// approved action (one record per action id) or empty for the whole
	// plan. Its Actor is the approver.
	TypeApproval Type = "approval"
	// TypeBreaker records the circuit breaker tripping or resetting.
	TypeBreaker Type = "breaker"
	// TypeRecovered is written by Open after it cut a torn tail.
	TypeRecovered Type = "recovered"
	// TypeIndeterminate is written by Open for an intent without outcome.
	TypeIndeterminate Type = "indeterminate"
	// TypeStartup records security-relevant settings at start.
	TypeStartup Type = "startup"
	TypeNote    Type = "note"
	// TypeSegment is the first record of the live file after a rotation
	// (SegmentDetail): it names the segment just sealed and carries the
	// state that must outlive older segments.
	TypeSegment Type = "segment"
	// TypeRetention records old segments removed by retention
	// (RetentionDetail), written before the files are removed.
	TypeRetention Type = "retention"
	// TypeNotification records one outcome of a notification: Detail holds
	// the receiver, its type, the message id, the incident key, the event
	// kind, the status (firing, resolved), the outcome (delivered, failed,
	// gave_up, dropped, superseded) and the attempt; Error why it failed.
	// Server and Package name the event's subject.
	TypeNotification Type = "notification"
	// TypeAuthFailed records credentials the far side refused (WinRM 401
	// after an NTLM logon, SQL Server login failed): which source and
	// user, and a keyed fingerprint of the secret in Detail, never the
	// secret. The controller stops every call with them; at start it
	// rebuilds that from these records.
	TypeAuthFailed Type = "auth_failed"
	// TypeObservation records what a pass observed, compactly (the
	// controller's ObservationDetail): written when it changed, and when
	// the site could not be read.
	TypeObservation Type = "observation"
	// TypeVerification records the verification of one server's remedy
	// chain (Server; Detail: result verified, not_effective or changed, the
	// rung applied and the next, the evidence digest, the pairs targeted).
	TypeVerification Type = "verification"
	// TypeRetry records an admin's `reconciler retry SERVER` (Server,
	// Actor): the server's ladder starts again at rung 0.
	TypeRetry Type = "retry"
	// TypePause and TypeResume record an admin holding and releasing
	// enforcement for one server (Server) or all (Server empty), with who.
	TypePause  Type = "pause"
	TypeResume Type = "resume"
)

// Types lists every record type in a stable order.
var Types = []Type{
	TypeIntent, TypeOutcome, TypePassStart, TypePassEnd, TypePolicyReload,
	TypePolicyRejected, TypeApproval, TypeBreaker, TypeRecovered,
	TypeIndeterminate, TypeStartup, TypeNote, TypeSegment, TypeRetention, TypeNotification,
	TypeAuthFailed, TypeObservation, TypeVerification, TypeRetry, TypePause, TypeResume,
}

func (t Type) known() bool {
	for _, k := range Types {
		if t == k {
			return true
		}
	}
	return false
}

// Outcome is what became of an action.
type Outcome string

// Outcomes. Indeterminate is written only by Open, for an intent whose
// outcome was never recorded: the action may or may not have run.
const (
	Applied       Outcome = "applied"
	Failed        Outcome = "failed"
	Deferred      Outcome = "deferred"
	Skipped       Outcome = "skipped"
	Indeterminate Outcome = "indeterminate"
)

func (o Outcome) known() bool {
	switch o {
	case Applied, Failed, Deferred, Skipped, Indeterminate:
		return true
	}
	return false
}

// Fact is one observed fact behind a reason.
type Fact struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Reason is why an action was planned: the cause, a sentence, the facts. It
// mirrors actions.Reason without importing it, so that the executor in
// package actions can import audit.
type Reason struct {
	Cause   string `json:"cause"`
	Message string `json:"message"`
	Facts   []Fact `json:"facts,omitempty"`
}

// Actor is who wrote a record: the daemon's host, user and process, or for
// an approval the approving admin.
type Actor struct {
	Host string `json:"host,omitempty"`
	User string `json:"user,omitempty"`
	PID  int    `json:"pid,omitempty"`
}

// CurrentActor describes this process. Fields it cannot learn stay empty.
func CurrentActor() Actor {
	a := Actor{PID: os.Getpid()}
	if h, err := os.Hostname(); err == nil {
		a.Host = h
	}
	if u, err := user.Current(); err == nil {
		a.User = u.Username
	}
	return a
}

// Record is one line of the journal. The field order is the canonical order
// of the encoding (see the package comment); do not reorder.
//
// Seq, Time, Prev and Hash are set by Append; Actor too when left zero.
type Record struct {
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`
	Type    Type      `json:"type"`
	Pass    string    `json:"pass,omitempty"`
	Plan    string    `json:"plan,omitempty"`
	Action  string    `json:"action,omitempty"`
	Kind    string    `json:"kind,omitempty"`
	Server  string    `json:"server,omitempty"`
	Package string    `json:"package,omitempty"`
	Mode    string    `json:"mode,omitempty"`
	// Account is an account name for set_credential_mode and grant_acl,
	// never a password.
	Account string   `json:"account,omitempty"`
	Reasons []Reason `json:"reasons,omitempty"`
	// Rule is the policy rule that allowed or held the action, for example
	// "limit delete_ns_snapshot 20/1h", "window weeknights", "mode dry-run".
	Rule    string  `json:"rule,omitempty"`
	Outcome Outcome `json:"outcome,omitempty"`
	Error   string  `json:"error,omitempty"`
	Actor   Actor   `json:"actor,omitzero"`
	// Detail is free JSON (a string or an object) for pass, reload, breaker,
	// recovered and indeterminate records. Append stores it compact, with
	// object keys sorted; build it with JSON.
	Detail json.RawMessage `json:"detail,omitempty"`
	// Prev is the Hash of the previous record, "" for seq 1.
	Prev string `json:"prev"`
	// Hash is the hex SHA-256 of the canonical encoding of the record
	// without Hash.
	Hash string `json:"hash,omitempty"`
}

// Spent reports whether the record shows an action that may have touched
// the site, for rebuilding rate-limit budgets: true for intent records
// only. An intent counts even if its outcome was lost, and an action is
// never counted twice, since its outcome record does not count.
// Deferred and skipped actions (dry-run included) have no intent and so
// spend nothing.
func (r Record) Spent() bool { return r.Type == TypeIntent }

// JSON encodes v for Record.Detail. It never fails: a value that cannot be
// encoded becomes a JSON string saying why.
func JSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal("unencodable detail: " + err.Error())
	}
	return b
}

// validate checks what a caller of Append controls.
func (r *Record) validate() error {
	if !r.Type.known() {
		return fmt.Errorf("unknown record type %q", r.Type)
	}
	if r.Outcome != "" && !r.Outcome.known() {
		return fmt.Errorf("unknown outcome %q", r.Outcome)
	}
	switch r.Type {
	case TypeIntent:
		if r.Outcome != "" {
			return fmt.Errorf("intent with outcome %q", r.Outcome)
		}
	case TypeOutcome, TypeIndeterminate:
		if r.Outcome == "" {
			return fmt.Errorf("%s record without outcome", r.Type)
		}
	}
	if (r.Type == TypeIntent || r.Type == TypeOutcome) && (r.Action == "" || r.Kind == "") {
		return fmt.Errorf("%s record without action id or kind", r.Type)
	}
	if len(r.Detail) > 0 && !json.Valid(r.Detail) {
		return fmt.Errorf("detail is not valid JSON")
	}
	return nil
}
