package health

import (
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// ConditionType names one aspect of a package server's health.
type ConditionType string

// The four conditions of every server, in the order reports list them.
const (
	Reachable         ConditionType = "Reachable"
	CredentialApplied ConditionType = "CredentialApplied"
	AclInPlace        ConditionType = "AclInPlace"
	PackagesReady     ConditionType = "PackagesReady"
)

// ConditionTypes lists the conditions in report order.
var ConditionTypes = []ConditionType{Reachable, CredentialApplied, AclInPlace, PackagesReady}

// Status is a condition's status.
type Status string

// Condition statuses.
const (
	True    Status = "True"
	False   Status = "False"
	Unknown Status = "Unknown"
)

// Reasons, CamelCase as Kubernetes conditions spell them. They are a
// contract: scripts match on them.
const (
	ReasonReachable               = "Reachable"
	ReasonUnreachable             = "Unreachable"
	ReasonRemoteManagementRefused = "RemoteManagementRefused"
	ReasonNotObserved             = "NotObserved"
	ReasonCredentialApplied       = "CredentialApplied"
	ReasonCredentialNotReceived   = "CredentialNotReceived"
	ReasonCredentialStuck         = "CredentialStuck"
	ReasonNSCredentialDrift       = "NSCredentialDrift"
	ReasonCredentialMismatch      = "CredentialMismatch"
	ReasonCredentialNotManaged    = "CredentialNotManaged"
	// ReasonCredentialUnknown: the site cannot show the applied credential
	// (a real agent keeps it in its secure storage); the message says why.
	ReasonCredentialUnknown       = "CredentialUnknown"
	ReasonAccountHasFullControl   = "AccountHasFullControl"
	ReasonAccountLacksFullControl = "AccountLacksFullControl"
	ReasonNoAccountNeeded         = "NoAccountNeeded"
	ReasonAllRowsReady            = "AllRowsReady"
	ReasonDownloadsInGrace        = "DownloadsInGrace"
	ReasonRowsNotReady            = "RowsNotReady"
	ReasonCMDBUnreadable          = "CMDBUnreadable"
	ReasonCMDBConflict            = "CMDBConflict"
)

// Condition is one aspect of a server's health.
type Condition struct {
	Type   ConditionType `json:"type"`
	Status Status        `json:"status"`
	Reason string        `json:"reason"`
	// Message states the facts behind the status, for people.
	Message string `json:"message,omitempty"`
	// LastTransition is when the status last changed; zero (and left out
	// of JSON) when unknown: no earlier report saw this condition.
	LastTransition time.Time `json:"last_transition,omitzero"`
}

// ServerHealth is the health of one package server in scope.
type ServerHealth struct {
	Name       vocab.Host  `json:"name"`
	Conditions []Condition `json:"conditions"`
	// Counts are the server's pairs by CMDB status: all of them when the
	// server list was read (Report.ServersListed), else only the rows in
	// question.
	Counts map[string]int `json:"counts"`
	// NotReady counts the pairs not Ready at the NS package version, those
	// in grace aside; InGrace counts downloads younger than the grace.
	NotReady int `json:"not_ready"`
	InGrace  int `json:"in_grace"`
}

// Condition returns the condition of type t.
func (s ServerHealth) Condition(t ConditionType) (Condition, bool) {
	for _, c := range s.Conditions {
		if c.Type == t {
			return c, true
		}
	}
	return Condition{}, false
}

// Healthy reports whether every condition is True.
func (s ServerHealth) Healthy() bool {
	for _, c := range s.Conditions {
		if c.Status != True {
			return false
		}
	}
	return len(s.Conditions) > 0
}

// MainReason is the reason of the first False condition, else of the
// first Unknown one, else empty.
func (s ServerHealth) MainReason() string {
	for _, want := range []Status{False, Unknown} {
		for _, c := range s.Conditions {
			if c.Status == want {
				return c.Reason
			}
		}
	}
	return ""
}
