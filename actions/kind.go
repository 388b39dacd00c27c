package actions

import (
	"fmt"
	"slices"
)

// Kind is one of the eight fixed action kinds. The names are a contract:
// policy files, audit records, metrics and reports use them.
type Kind string

// The action kinds, in the order a plan applies them on one target.
const (
	SetCredentialMode   Kind = "set_credential_mode"
	DeleteNSSnapshot    Kind = "delete_ns_snapshot"
	RunPackageRefresh   Kind = "run_package_refresh"
	DeletePSSnapshot    Kind = "delete_ps_snapshot"
	DeletePSStatus      Kind = "delete_ps_status"
	UpdateConfiguration Kind = "update_configuration"
	GrantACL            Kind = "grant_acl"
	ResendStatus        Kind = "resend_status"
)

// Kinds lists every kind in a stable order.
var Kinds = []Kind{
	SetCredentialMode, DeleteNSSnapshot, RunPackageRefresh, DeletePSSnapshot,
	DeletePSStatus, UpdateConfiguration, GrantACL, ResendStatus,
}

// ParseKind validates a kind name from a policy or a command line.
func ParseKind(s string) (Kind, error) {
	k := Kind(s)
	if slices.Contains(Kinds, k) {
		return k, nil
	}
	return "", fmt.Errorf("unknown action kind %q (known: %v)", s, Kinds)
}

// Global reports whether the kind acts on the NS, and so on every server.
func (k Kind) Global() bool {
	return k == SetCredentialMode || k == DeleteNSSnapshot || k == RunPackageRefresh
}

// Destructive reports whether the kind deletes files or changes the NS
// setting. Destructive kinds get no budget when the journal cannot be read,
// and are never planned for a server that could not be observed.
func (k Kind) Destructive() bool {
	switch k {
	case SetCredentialMode, DeleteNSSnapshot, DeletePSSnapshot, DeletePSStatus:
		return true
	}
	return false
}

// Rank orders kinds within one target; lower runs first.
func (k Kind) Rank() int { return slices.Index(Kinds, k) }
