package inbox

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/vocab"
)

// Request is a command from another process for the daemon that holds
// the journal. It waits as one JSON file in the inbox until the next pass
// records it in the journal and applies it.
type Request struct {
	Type    audit.Type `json:"type"` // one of Kinds
	Plan    string     `json:"plan,omitempty"`
	Actions []string   `json:"actions,omitempty"`
	// Server is the package server of a retry, pause or resume; empty
	// pauses or resumes every server.
	Server string `json:"server,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Actor is who the submitter says it is, for display; the daemon
	// records the request file's owner instead (see Ingester).
	Actor audit.Actor `json:"actor"`
	At    time.Time   `json:"at"`
}

// ApprovalDetail is the Detail of an approval record: the action ids it
// approves (a plan approval lists every action of the plan that needs one).
type ApprovalDetail struct {
	Actions []string `json:"actions"`
	Reason  string   `json:"reason,omitempty"`
}

// BreakerDetail is the Detail of a breaker record.
type BreakerDetail struct {
	State  string `json:"state"` // tripped, closed, reset
	Reason string `json:"reason"`
}

// OperatorDetail is the Detail of a retry, pause or resume record.
type OperatorDetail struct {
	Reason string `json:"reason,omitempty"`
}

// kind says how the journal record of one request type is built; build
// returns an error for a request of that type that is not well formed.
type kind struct {
	build func(Request) (audit.Record, error)
}

// kinds is the table of request types the inbox carries.
var kinds = map[audit.Type]kind{
	audit.TypeApproval: {build: approvalRecord},
	audit.TypeBreaker:  {build: breakerRecord},
	audit.TypeRetry:    {build: serverRecord(true)},
	audit.TypePause:    {build: serverRecord(false)},
	audit.TypeResume:   {build: serverRecord(false)},
}

// Record is the journal record of a request, or why the request is not
// well formed.
func (r Request) Record() (audit.Record, error) {
	k, ok := kinds[r.Type]
	if !ok {
		return audit.Record{}, fmt.Errorf("unknown request type %q", vocab.Clip(string(r.Type)))
	}
	return k.build(r)
}

func approvalRecord(r Request) (audit.Record, error) {
	if len(r.Actions) == 0 {
		return audit.Record{}, errors.New("approval without action ids")
	}
	if r.Server != "" {
		return audit.Record{}, errors.New("approval names a server")
	}
	return audit.Record{Type: r.Type, Plan: r.Plan, Actor: r.Actor,
		Detail: audit.JSON(ApprovalDetail{Actions: r.Actions, Reason: r.Reason})}, nil
}

func breakerRecord(r Request) (audit.Record, error) {
	if r.Server != "" {
		return audit.Record{}, errors.New("breaker reset names a server")
	}
	return audit.Record{Type: r.Type, Actor: r.Actor,
		Detail: audit.JSON(BreakerDetail{State: "reset", Reason: r.Reason})}, nil
}

// serverRecord builds a retry, pause or resume record; need says the
// server is required (a retry is of one server).
func serverRecord(need bool) func(Request) (audit.Record, error) {
	return func(r Request) (audit.Record, error) {
		if err := noPlan(r); err != nil {
			return audit.Record{}, err
		}
		if r.Server == "" && need {
			return audit.Record{}, fmt.Errorf("%s without a server", r.Type)
		}
		if r.Server != "" {
			if _, err := vocab.ParseHost(r.Server); err != nil {
				return audit.Record{}, fmt.Errorf("%s: %w", r.Type, err)
			}
		}
		rec := audit.Record{Type: r.Type, Server: r.Server, Actor: r.Actor}
		if r.Reason != "" {
			rec.Detail = audit.JSON(OperatorDetail{Reason: r.Reason})
		}
		return rec, nil
	}
}

// noPlan refuses the approval's fields on a request of another type.
func noPlan(r Request) error {
	if r.Plan != "" || len(r.Actions) > 0 {
		return fmt.Errorf("%s names a plan or actions", r.Type)
	}
	return nil
}

// submittedName is the file name of a request: its submission time first,
// so that the sorted names are the order of submission.
func submittedName(r Request, unique string) string {
	return fmt.Sprintf("%s-%s.json", r.At.UTC().Format("20060102T150405.000000000Z"), strings.TrimPrefix(unique, ".req-"))
}
