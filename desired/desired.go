package desired

import (
	"strings"
	"time"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// Scope selects the package servers the controller manages.
// policy.Scope implements it.
type Scope interface {
	Match(host vocab.Host) bool
}

// State is the desired state of a site. The zero Scope (nil) puts every
// server in scope.
type State struct {
	// Credential is the policy's credential block: the NS setting must
	// equal it, and so must the credential every server in scope applied.
	Credential vocab.Credential
	Scope      Scope
	// PendingGrace is how long a pair may stay Pending (or another download
	// status) before it counts as not Ready.
	PendingGrace time.Duration
}

// New returns the desired state for the policy's credential block, scope
// and reconcile.pending_grace, typically
// New(p.Credential, p.Scope, p.Reconcile.PendingGrace).
func New(cred vocab.Credential, scope Scope, pendingGrace time.Duration) State {
	return State{Credential: cred, Scope: scope, PendingGrace: pendingGrace}
}

// InScope reports whether the controller manages host.
func (s State) InScope(host vocab.Host) bool {
	return s.Scope == nil || s.Scope.Match(host)
}

// NSInSync reports whether the NS setting equals the policy's credential.
func (s State) NSInSync(ns observed.NSState) bool {
	return ns.Credential.Equal(s.Credential)
}

// For returns what one package server must look like.
func (s State) For(server vocab.Host) Server {
	account := ""
	if s.Credential.Mode.NeedsAccount() {
		account = s.Credential.Account
	}
	return Server{
		Name:         server,
		InScope:      s.InScope(server),
		Credential:   s.Credential,
		Account:      account,
		PendingGrace: s.PendingGrace,
	}
}

// Server is the desired state of one package server.
type Server struct {
	Name    vocab.Host
	InScope bool
	// Credential is the credential the server must have applied.
	Credential vocab.Credential
	// Account must hold Full Control on Package Delivery; empty for
	// anonymous, which needs no account.
	Account      string
	PendingGrace time.Duration
}

// CredentialApplied reports whether the applied credential is the desired
// one (accounts compared case-insensitively, as Windows does).
func (s Server) CredentialApplied(applied vocab.Credential) bool {
	return applied.Equal(s.Credential)
}

// ACLInPlace reports whether the principals with Full Control on Package
// Delivery include the account (always true when no account is needed).
func (s Server) ACLInPlace(fullControl []string) bool {
	if s.Account == "" {
		return true
	}
	for _, p := range fullControl {
		if strings.EqualFold(p, s.Account) {
			return true
		}
	}
	return false
}

// Verdict is how a pair compares with the desired state.
type Verdict int

// Pair verdicts.
const (
	// PairReady: Ready at the NS package version.
	PairReady Verdict = iota
	// PairInGrace: a download status younger than the pending grace, or of
	// unknown age (treated as just seen); left alone.
	PairInGrace
	// PairNotReady: anything else.
	PairNotReady
)

var verdictNames = [...]string{"ready", "in_grace", "not_ready"}

// String names the verdict.
func (v Verdict) String() string {
	if v < 0 || int(v) >= len(verdictNames) {
		return "unknown"
	}
	return verdictNames[v]
}

// Judge compares a pair with the rule that every assigned package is Ready
// at the NS package version (the package Judge, with the server's
// pending grace).
func (s Server) Judge(p observed.Pair, now time.Time) Verdict { return Judge(p, now, s.PendingGrace) }

// Judge is the one judge of a pair's health, which status, the planner
// and the pass all ask: Ready at the NS package version is PairReady; a
// download in progress first seen less than grace ago (or at an unknown
// time) is PairInGrace; anything else is PairNotReady.
func Judge(p observed.Pair, now time.Time, grace time.Duration) Verdict {
	switch {
	case p.Status == vocab.Ready && p.Version == p.PackageVersion:
		return PairReady
	case p.Status.InProgress() && (p.Since.IsZero() || now.Sub(p.Since) < grace):
		return PairInGrace
	}
	return PairNotReady
}
