package actions

import "strings"

// Outcome is what became of one action in a pass.
type Outcome string

// Outcomes. Deferred actions wait for a later pass (a gate or an unmet
// prerequisite held them); skipped actions were not run on purpose (dry run,
// or an earlier action on the same target failed).
const (
	Applied  Outcome = "applied"
	Failed   Outcome = "failed"
	Deferred Outcome = "deferred"
	Skipped  Outcome = "skipped"
)

// Hold says why a gate keeps an action from running in this pass.
type Hold struct {
	Rule    string  // e.g. "limit delete_ns_snapshot 20/1h", "mode dry-run"
	Outcome Outcome // Deferred or Skipped
}

// WaitRule is the rule of an action deferred because it waits for the
// action id, which will not run in this pass: "dependency ID".
func WaitRule(id string) string { return waitPrefix + id }

// WaitsFor returns the id a WaitRule names.
func WaitsFor(rule string) (string, bool) { return strings.CutPrefix(rule, waitPrefix) }

const waitPrefix = "dependency "
