package actions

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
