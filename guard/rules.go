package guard

import "strings"

// RuleClasses are the classes of the rules that hold actions, as metrics
// and simulation reports group them: the gates (limit, window, approval,
// blast_radius, breaker, mode, scope) and the executor's own holds
// (dependency: a prerequisite was held; after: an earlier action on the
// same target failed).
var RuleClasses = []string{"limit", "window", "dependency", "approval", "blast_radius",
	"breaker", "mode", "scope", "after"}

// RuleClass is the class of a rule that held an action: its first word
// ("limit delete_ns_snapshot 20/1h" is limit), with the rules whose first
// word is not their class mapped: "outside allow window …" is window, and
// a binding rule, "reset cycle: ID would be held by RULE" or "snapshot
// restore ID would be held by RULE", is RULE's class.
func RuleClass(rule string) string {
	if _, inner, ok := strings.Cut(rule, heldByInfix); ok {
		return RuleClass(inner)
	}
	switch {
	case strings.HasPrefix(rule, "outside allow window"):
		return "window"
	case rule == "":
		return "unknown"
	}
	if i := strings.IndexAny(rule, " :"); i > 0 {
		return rule[:i]
	}
	return rule
}
