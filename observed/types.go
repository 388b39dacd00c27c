package observed

import (
	"context"
	"errors"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// RawRow is one SWDPackageServer row in question as a driver read it,
// joined with vItem (the server's name) and SWDPackage (the package's name
// and NS version). Every field is untrusted text. PackageKnown is false when
// the row names a package that SWDPackage does not hold.
type RawRow struct {
	ServerID       string
	ServerName     string
	PackageID      string
	PackageName    string
	Status         string
	Version        string
	PackageVersion string
	PackageKnown   bool
}

// RawServer is one package server as the CMDB lists it, with its pair
// counts by status. Fields are untrusted.
type RawServer struct {
	ID     string
	Name   string
	Counts map[string]int
}

// CMDB reads the NS database. Drivers implement it; site/sim over SQLite and
// site/itms over SQL Server share one query text (package cmdb).
type CMDB interface {
	// InQuestion calls fn for every row that is not Ready or whose Version
	// differs from the package's NS version, and for rows naming unknown
	// packages. It never yields healthy rows. An error from fn stops the
	// read and is returned.
	InQuestion(ctx context.Context, fn func(RawRow) error) error
	// Servers lists every package server with its pair counts by status.
	Servers(ctx context.Context) ([]RawServer, error)
}

// NSState is the NS side of the credential flow.
type NSState struct {
	Credential    vocab.Credential `json:"credential"`
	PolicyVersion int64            `json:"policy_version"`
}

// Snapshot is the NS snapshot file {GUID}.xml of one package.
type Snapshot struct {
	Package vocab.GUID `json:"package"`
	Present bool       `json:"present"`
	Version string     `json:"version,omitempty"`
}

// ErrNotManaged is returned (wrapped) by NSSource.Setting when the site is
// not set up to read the credential setting at all (on a real site: no
// credential command in the policy). The observation then marks the NS
// setting unmanaged: credentials are neither checked nor changed, and the
// rest of the remedies still apply.
var ErrNotManaged = errors.New("the NS credential setting is not managed on this site")

// NSSource reads the NS: its Package Service credential setting and its
// snapshot files.
type NSSource interface {
	Setting(ctx context.Context) (NSState, error)
	// Snapshots returns one Snapshot per package asked for, in that order.
	Snapshots(ctx context.Context, packages []vocab.GUID) ([]Snapshot, error)
}

// PackageFiles is what a package server holds for one package.
type PackageFiles struct {
	Server          vocab.Host        `json:"server"`
	Package         vocab.GUID        `json:"package"`
	SnapshotPresent bool              `json:"snapshot_present"`
	SnapshotVersion string            `json:"snapshot_version,omitempty"`
	StatusPresent   bool              `json:"status_present"`
	StatusRecorded  vocab.Status      `json:"status_recorded,omitempty"`
	Local           vocab.LocalStatus `json:"local"`
}

// AgentFacts is what one package server's agent says about itself and the
// packages asked for. Account names only: never a password.
type AgentFacts struct {
	Server vocab.Host `json:"server"`
	// Applied is the credential the agent applied; meaningless when
	// AppliedUnknown says why it could not be observed.
	Applied vocab.Credential `json:"applied"`
	// AppliedUnknown is why the applied credential could not be observed
	// ("" when Applied is a known fact). A real agent keeps it in its
	// secure storage (docs/itms.md), so the real driver always sets it.
	AppliedUnknown string `json:"applied_unknown,omitempty"`
	// PolicyVersion is the policy version the agent received; meaningless
	// when PolicyVersionUnknown says why it could not be observed.
	PolicyVersion        int64  `json:"policy_version"`
	PolicyVersionUnknown string `json:"policy_version_unknown,omitempty"`
	// FullControl lists the principals with Full Control on Package
	// Delivery, as the agent spells them.
	FullControl   []string `json:"full_control"`
	LogSignatures []string `json:"log_signatures,omitempty"`
	// Evidence is what KB 179719 names as the signs of a credential the
	// agent did not apply, where the site shows them.
	Evidence CredentialEvidence `json:"evidence,omitzero"`
	Packages []PackageFiles     `json:"packages,omitempty"`
}

// CredentialEvidence counts KB 179719's signs of a credential the agent
// did not apply, among the packages asked for. The log's signs are in
// AgentFacts.LogSignatures.
type CredentialEvidence struct {
	// FoldersRead counts the Package Delivery\{GUID} folders whose access
	// rules were read; BareFolders those of them that grant access to
	// nobody but Administrators and SYSTEM.
	FoldersRead int `json:"folders_read,omitempty"`
	BareFolders int `json:"bare_folders,omitempty"`
	// TrustErrors counts packages whose status report records the 1789
	// trust-relationship error.
	TrustErrors int `json:"trust_errors,omitempty"`
}

// Known reports whether both credential facts were observed: the applied
// credential and the policy version received.
func (f AgentFacts) Known() bool { return f.AppliedUnknown == "" && f.PolicyVersionUnknown == "" }

// AgentSource observes package servers' agents.
type AgentSource interface {
	// Agent observes one server and the given packages on it. An error means
	// the server could not be observed; it is a fact, not a crash.
	Agent(ctx context.Context, server vocab.Host, packages []vocab.GUID) (AgentFacts, error)
}

// Pair is one validated (server, package) row in question.
type Pair struct {
	Server         vocab.Host   `json:"server"`
	ServerID       vocab.GUID   `json:"server_id"`
	Package        vocab.GUID   `json:"package"`
	PackageName    string       `json:"package_name"`
	Status         vocab.Status `json:"status"`
	Version        string       `json:"version"`
	PackageVersion string       `json:"package_version"`
	// Since is when this pair was first seen in this status by this process;
	// zero when unknown (a one-shot command has no history).
	Since time.Time `json:"since,omitzero"`
}

// Reject is a row kept out of the observation because a value in it is not
// well-formed. It is reported, never acted on.
type Reject struct {
	ServerID  string `json:"server_id"`
	Server    string `json:"server"`
	PackageID string `json:"package_id"`
	Reason    string `json:"reason"`
}

// Agent is the observation of one package server's agent: its facts when it
// answered, or why it could not be observed.
type Agent struct {
	Server    vocab.Host `json:"server"`
	Reachable bool       `json:"reachable"`
	// Error is why the server could not be observed (no secrets).
	Error string `json:"error,omitempty"`
	// Terminal is set when the agent refuses remote management for good
	// (for example its policy forbids remote configuration).
	Terminal bool       `json:"terminal,omitempty"`
	Facts    AgentFacts `json:"facts"`
}

// Server is one package server known to the CMDB, with pair counts by status.
type Server struct {
	ID     vocab.GUID     `json:"id"`
	Name   vocab.Host     `json:"name"`
	Counts map[string]int `json:"counts"`
}
