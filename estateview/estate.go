package estateview

import (
	"time"

	"github.com/itms-tools/reconciler/guard"
)

// Estate is the row of table "estate": one row, replaced at every commit,
// so that watching it means watching the whole view.
type Estate struct {
	ID      string // always "estate"
	Version uint64
	// At is when the view last changed.
	At       time.Time
	Mode     string
	DryRun   []string // kinds held in dry run even in enforce mode
	Leader   bool
	LastPass string
	// Observed is the start of the last pass that observed the site; the
	// conditions are as of then.
	Observed  time.Time
	CMDBError string
	NS        NS
	Breaker   guard.BreakerState
	// BreakerEvents are the breaker's last transitions, newest last.
	BreakerEvents []BreakerEvent
	Budgets       []Budget
	Windows       []Window
	Plan          PlanSummary
	// NSNext is what the last plan held for the NS.
	NSNext []Planned
	// NSActions are the journal's actions on the NS, oldest first.
	NSActions []Action
	// Pending are held for approval in the last plan.
	Pending []Approval
	// Approved are approvals in force, not yet used.
	Approved []Approved
	Totals   Totals
	Policy   PolicyEvents
	Rebuilt  Rebuilt
}

// NS is the Notification Server's credential setting as last observed.
type NS struct {
	// Credential is the setting, or "unknown" (Why says why), or "not
	// managed" on a site that does not manage it.
	Credential    string
	Why           string
	PolicyVersion int64
	Desired       string
	InSync        bool
	Known         bool
}

// BreakerEvent is one breaker record of the journal.
type BreakerEvent struct {
	At     time.Time
	State  string // tripped, closed, reset
	Reason string
	By     string
}

// Budget is one limited kind's use against its cap.
type Budget struct {
	Kind      string
	Max       int
	Per       time.Duration
	Used      int
	Remaining int
	// FreesAt is when the oldest spend that counts stops counting: one
	// more action of the kind may run then. Zero when nothing is spent.
	FreesAt time.Time
}

// Window is a maintenance window now.
type Window struct {
	Name     string
	Schedule string
	Duration time.Duration
	Allow    []string
	Deny     []string
	Open     bool
	// Next is when it next opens (closed) or closes (open); zero when no
	// change is in sight (a window that never closes).
	Next time.Time
}

// PlanSummary is the last plan and its holds.
type PlanSummary struct {
	ID      string
	At      time.Time
	Pass    string
	Actions int
	Blocked bool
	Notes   int
	// Holds are the actions held in that pass, in plan order.
	Holds []Hold
	// Executed is false when the pass only planned (a follower).
	Executed bool
}

// Hold is one held action.
type Hold struct {
	ID      string
	Kind    string
	Target  string
	Outcome string
	Rule    string
}

// Approval is an action held for approval, with the command that approves
// it (the console is read-only: approvals are given on the CLI).
type Approval struct {
	ID      string
	Kind    string
	Target  string
	Plan    string
	Command string
}

// Approved is an approval in force.
type Approved struct {
	ID string
	At time.Time
	By string
}

// Totals count the servers in scope.
type Totals struct {
	Servers int
	Healthy int
	// NotGood counts, per condition type, the servers whose condition is
	// not good (not True; True for Stalled), those never observed aside.
	NotGood  map[string]int
	NotReady int // pairs
	Stalled  int
}

// PolicyEvents are the last policy reload and rejection.
type PolicyEvents struct {
	Reloaded     time.Time
	Rejected     time.Time
	RejectReason string
}

// Rebuilt says what Rebuild read at start.
type Rebuilt struct {
	Records int64
	LastSeq int64
	Error   string
}
