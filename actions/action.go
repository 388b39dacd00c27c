package actions

import (
	"fmt"
	"slices"

	"github.com/itms-tools/reconciler/vocab"
)

// Target names what an action acts on: the NS (Server empty), a package
// server, or one package on a package server or on the NS.
type Target struct {
	Server  vocab.Host `json:"server,omitempty"`
	Package vocab.GUID `json:"package,omitempty"`
}

// IsNS reports whether the target is the Notification Server.
func (t Target) IsNS() bool { return t.Server == "" }

// String renders the target for people and for action ids: "NS",
// "NS/{guid}", "PS001" or "PS001/{guid}".
func (t Target) String() string {
	s := string(t.Server)
	if t.IsNS() {
		s = "NS"
	}
	if t.Package != "" {
		s += "/" + string(t.Package)
	}
	return s
}

// Cause names a row of the cause → remedy table (DESIGN §3).
type Cause string

// The causes the planner recognises.
const (
	NSCredentialDrift     Cause = "ns_credential_drift"
	CredentialNotReceived Cause = "credential_not_received"
	CredentialStuck       Cause = "credential_stuck"
	ACLMissing            Cause = "acl_missing"
	StatusLost            Cause = "status_lost"
	StaleStatusFile       Cause = "stale_status_file"
	StalePSSnapshot       Cause = "stale_ps_snapshot"
	StaleNSSnapshot       Cause = "stale_ns_snapshot"
)

// Fact is one observed fact behind a reason, for example
// {"applied_credential", "anonymous"}.
type Fact struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Reason says why an action is in the plan: the cause, a sentence for
// people, the facts that show it, and the actions it needs applied first.
// An action runs when at least one of its reasons has all of its Requires
// applied in this pass.
type Reason struct {
	Cause    Cause    `json:"cause"`
	Message  string   `json:"message"`
	Facts    []Fact   `json:"facts,omitempty"`
	Requires []string `json:"requires,omitempty"`
}

// Action is one step of a plan.
type Action struct {
	// ID is stable across passes for the same step on the same target, for
	// example "delete_ps_snapshot:PS001/{guid}" or, inside the credential
	// reset cycle, "update_configuration:PS004#1".
	ID     string `json:"id"`
	Kind   Kind   `json:"kind"`
	Target Target `json:"target"`
	// Mode and Account are the parameters of set_credential_mode (both) and
	// grant_acl (Account). They never hold a secret.
	Mode    vocab.Mode `json:"mode,omitempty"`
	Account string     `json:"account,omitempty"`
	// Round is 1 or 2 inside the credential reset cycle, 0 otherwise.
	Round   int      `json:"round,omitempty"`
	Reasons []Reason `json:"reasons"`
	// After lists actions that must be resolved (applied, failed, deferred or
	// skipped) before this one starts: ordering, not necessity.
	After []string `json:"after,omitempty"`
}

// Summary is the one-line, human-readable form of the action and its first
// reason, as `reconciler plan` prints it.
func (a Action) Summary() string {
	s := fmt.Sprintf("%s %s", a.Kind, a.Target)
	if a.Mode != "" {
		s += " → " + vocab.Credential{Mode: a.Mode, Account: a.Account}.String()
	}
	if len(a.Reasons) > 0 {
		s += ": " + a.Reasons[0].Message
	}
	return s
}

// Deps returns the distinct actions a must follow: its After edges and
// every reason's Requires, sorted.
func (a Action) Deps() []string {
	n := len(a.After)
	for _, r := range a.Reasons {
		n += len(r.Requires)
	}
	ds := make([]string, 0, n)
	ds = append(ds, a.After...)
	for _, r := range a.Reasons {
		ds = append(ds, r.Requires...)
	}
	slices.Sort(ds)
	ds = slices.Compact(ds)
	if len(ds) > 0 && ds[0] == "" {
		ds = ds[1:]
	}
	return ds
}
