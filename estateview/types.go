package estateview

import (
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/vocab"
)

// Bounds of the history kept in memory.
const (
	MaxTransitions   = 200 // per server
	MaxActions       = 200 // per server, and for the NS
	MaxPasses        = 100
	MaxBreakerEvents = 20
)

// Stalled is the condition the escalation ladder (DESIGN §3a) sets; until
// the controller reports it, its status stays empty and is shown as "—".
const Stalled = "Stalled"

// ConditionTypes are the conditions of a server in the view, in the order
// pages show them.
var ConditionTypes = []string{"Reachable", "CredentialApplied", "AclInPlace", "PackagesReady", Stalled}

// Condition is one condition of a server as last observed.
type Condition struct {
	Type string
	// Status is True, False or Unknown; "" when never observed.
	Status  string
	Reason  string
	Message string
	// Since is when Status last changed; zero when unknown.
	Since time.Time
	// Observed is the start of the pass that last observed it.
	Observed time.Time
}

// Server is one package server: the row of table "server".
type Server struct {
	Key     string // the name in lower case: the id
	Name    vocab.Host
	Version uint64 // the view version of its last change
	InScope bool
	// Conditions, one per ConditionTypes entry, in that order.
	Conditions []Condition
	// Rung is the escalation rung (DESIGN §3a), "0" to "3"; "" until the
	// controller reports one.
	Rung string
	// Paused says who paused it (or every server), since when and why;
	// "" when it is not paused.
	Paused string
	// Counts are its pairs by CMDB status when the last pass saw them
	// (nil when it had no row in question and the server list was not read).
	Counts   map[string]int
	NotReady int
	InGrace  int
	LastSeen time.Time // start of the last pass that saw it
	LastPass string
	// Changed is when any condition last changed.
	Changed  time.Time
	Evidence Evidence
	// Next is what the last plan held for it.
	Next []Planned
}

// Condition returns the condition of type t.
func (s Server) Condition(t string) Condition {
	for _, c := range s.Conditions {
		if c.Type == t {
			return c
		}
	}
	return Condition{Type: t}
}

// Healthy reports whether every observed condition is good (a condition
// never observed, such as Stalled before the ladder reports it, does not
// count).
func (s Server) Healthy() bool {
	seen := false
	for _, c := range s.Conditions {
		if c.Status == "" {
			continue
		}
		seen = true
		if !c.Good() {
			return false
		}
	}
	return seen
}

// Good reports whether the condition is as it should be: True, or False
// for Stalled.
func (c Condition) Good() bool {
	if c.Type == Stalled {
		return c.Status == "False"
	}
	return c.Status == "True"
}

// Evidence is what the last observations showed of a server.
type Evidence struct {
	// Agent is the last observation of its agent; nil when none since the
	// daemon started.
	Agent *AgentEvidence
	// Pairs are its pairs in question at PairsAt (the CMDB's not-Ready
	// rows), with the agent's files for them when it was observed then.
	Pairs   []PairEvidence
	PairsAt time.Time
}

// AgentEvidence is one observation of an agent. Credential facts a real
// agent does not show are "unknown" with why.
type AgentEvidence struct {
	At        time.Time
	Pass      string
	Reachable bool
	Error     string
	// Applied is the applied credential, or "unknown"; AppliedWhy says why.
	Applied    string
	AppliedWhy string
	// PolicyVersion is the policy version received, or "unknown".
	PolicyVersion    string
	PolicyVersionWhy string
	FullControl      []string
	LogSignatures    []string
	FoldersRead      int
	BareFolders      int
	TrustErrors      int
}

// PairEvidence is one pair in question.
type PairEvidence struct {
	Package        vocab.GUID
	Name           string
	Status         string
	Version        string // the CMDB row's
	PackageVersion string // the NS package's
	// Files are the agent's files for it; Observed is false when the agent
	// was not asked about this package in that pass.
	Observed        bool
	SnapshotVersion string // "" absent
	SnapshotPresent bool
	StatusRecorded  string
	StatusPresent   bool
	Local           string
}

// Planned is one action of the last plan, with what became of it in that
// pass.
type Planned struct {
	ID      string
	Kind    string
	Target  string
	Reasons []audit.Reason
	// Outcome in the pass (applied, failed, deferred, skipped; "" when the
	// pass did not execute its plan: a follower); Rule held it, Error is
	// why it failed.
	Outcome string
	Rule    string
	Error   string
}

// Transition is one change of a condition's status.
type Transition struct {
	At      time.Time
	Type    string
	From    string // "" when first observed
	To      string
	Reason  string
	Message string
	Pass    string
}

// Action is one action the journal recorded: its intent and outcome joined
// by pass and action id, or a lone outcome (a hold, recorded when first
// held and when its rule changes).
type Action struct {
	Seq     int64 // of its first record
	Pass    string
	Plan    string
	ID      string
	Kind    string
	Target  string
	At      time.Time
	Reasons []audit.Reason
	// Outcome is "" while the intent has no outcome yet.
	Outcome string
	Rule    string
	Error   string
	Done    time.Time
}

// History is the row of table "history": a server's bounded history.
type History struct {
	Key         string
	Transitions []Transition // oldest first
	Actions     []Action     // oldest first
}

// Pass is one pass the journal recorded: the row of table "pass".
type Pass struct {
	ID    string
	Seq   uint64 // order of its pass_start in the view
	Start time.Time
	End   time.Time // zero while running
	Plan  string
	// Actions planned; the outcomes recorded in the pass by kind of outcome
	// (holds repeated from an earlier pass are counted in HoldsUnchanged).
	Actions        int
	Applied        int
	Failed         int
	Deferred       int
	Skipped        int
	HoldsUnchanged int
	// Result: running, acted, idle, error.
	Result string
	Error  string
}
