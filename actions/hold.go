package actions

import (
	"encoding/json"
	"strings"
)

// HoldClass is the kind of rule that keeps an action from running in a
// pass; metrics and simulation reports group holds by it.
type HoldClass string

// Hold classes: the gates' (limit, window, approval, blast_radius, breaker,
// mode, scope) and the executor's own (dependency: a prerequisite will not
// run in this pass; after: an earlier action on the same target failed).
const (
	HoldLimit       HoldClass = "limit"
	HoldWindow      HoldClass = "window"
	HoldDependency  HoldClass = "dependency"
	HoldApproval    HoldClass = "approval"
	HoldBlastRadius HoldClass = "blast_radius"
	HoldBreaker     HoldClass = "breaker"
	HoldMode        HoldClass = "mode"
	HoldScope       HoldClass = "scope"
	HoldAfter       HoldClass = "after"
)

// HoldClasses lists every class, in the order reports show them.
var HoldClasses = []HoldClass{HoldLimit, HoldWindow, HoldDependency, HoldApproval, HoldBlastRadius,
	HoldBreaker, HoldMode, HoldScope, HoldAfter}

// Hold says why an action will not run in this pass: the class of the rule
// and its detail, as values; Rule renders the text that the journal, the
// plan and the logs show, and ParseRule reads that text back.
type Hold struct {
	Class HoldClass
	// Detail is what the class needs to be read: the limit ("delete_ns_snapshot
	// 20/1h0m0s"), the window's sentence, the id waited for or that failed,
	// the approval key, the breaker's reason, the dry-run mode, the blast
	// radius; nothing for scope.
	Detail  string
	Outcome Outcome // Deferred or Skipped
	// Binding, when set, names the rule that binds this action to the hold
	// of action Via ("reset cycle:", "snapshot restore"): Class and Detail
	// are then Via's.
	Binding, Via string
}

// Held returns the hold of class c with detail d, deferred.
func Held(c HoldClass, d string) Hold { return Hold{Class: c, Detail: d, Outcome: Deferred} }

// WaitHold is the hold of an action that waits for action id, which will
// not run in this pass.
func WaitHold(id string) Hold { return Held(HoldDependency, id) }

// BoundTo is h bound to action via by the binding rule named what: the
// action is held because via would be. A hold already bound keeps its
// binding, not nested.
func (h Hold) BoundTo(what, via string) Hold {
	if h.Binding == "" {
		h.Binding, h.Via = what, via
	}
	h.Outcome = Deferred
	return h
}

// WaitsFor returns the id h waits for, when h is a plain dependency.
func (h Hold) WaitsFor() (string, bool) {
	return h.Detail, h.Class == HoldDependency && h.Binding == ""
}

// ClassName is the class as a label: "unknown" for a hold without one.
func (h Hold) ClassName() string {
	if h.Class == "" {
		return "unknown"
	}
	return string(h.Class)
}

// rulePrefix is the text before the detail, per class; a window's detail
// is its whole sentence, and scope has no detail.
var rulePrefix = map[HoldClass]string{
	HoldLimit: "limit ", HoldDependency: "dependency ", HoldApproval: "approval required: reconciler approve ",
	HoldBlastRadius: "blast_radius ", HoldBreaker: "breaker open: ", HoldMode: "mode ", HoldAfter: "after failure of ",
}

const boundInfix = " would be held by "

// Rule is the hold's text, e.g. "limit delete_ns_snapshot 20/1h0m0s" or
// "reset cycle: ID would be held by mode dry-run"; "" for no hold.
func (h Hold) Rule() string {
	inner := h.rule()
	if h.Binding != "" {
		return h.Binding + " " + h.Via + boundInfix + inner
	}
	return inner
}

func (h Hold) rule() string {
	switch h.Class {
	case HoldScope:
		return "scope"
	case HoldWindow, "":
		return h.Detail
	}
	return rulePrefix[h.Class] + h.Detail
}

// ParseRule reads a hold's text back (a journal record's rule, whose
// outcome the record holds): the inverse of Rule, ParseRule(s).Rule() == s
// for every s. A text of no known class is a hold without class, its text
// kept as the detail.
func ParseRule(rule string) Hold {
	var h Hold
	if i := strings.Index(rule, boundInfix); i > 0 {
		if what, via, ok := cutBinding(rule[:i]); ok {
			if inner := ParseRule(rule[i+len(boundInfix):]); inner.Binding == "" {
				inner.Binding, inner.Via = what, via
				return inner
			}
		}
	}
	switch {
	case rule == "scope":
		h.Class = HoldScope
		return h
	case strings.HasPrefix(rule, "window "), strings.HasPrefix(rule, "outside allow window "):
		h.Class, h.Detail = HoldWindow, rule
		return h
	}
	for _, c := range HoldClasses {
		if p, ok := rulePrefix[c]; ok && strings.HasPrefix(rule, p) {
			h.Class, h.Detail = c, rule[len(p):]
			return h
		}
	}
	h.Detail = rule
	return h
}

// The binding rules, as a bound hold's text names them: "reset cycle: ID
// would be held by RULE" (the credential reset cycle is admitted whole),
// "snapshot restore ID would be held by RULE" (a snapshot deletion waits
// for the update that restores the file).
const (
	BindCycle   = "reset cycle:"
	BindRestore = "snapshot restore"
)

var bindings = []string{BindCycle, BindRestore}

func cutBinding(s string) (what, via string, ok bool) {
	for _, b := range bindings {
		if rest, found := strings.CutPrefix(s, b+" "); found && rest != "" {
			return b, rest, true
		}
	}
	return "", "", false
}

// holdJSON is a hold as plans and status print it: {"Rule", "Outcome"}.
type holdJSON struct {
	Rule    string
	Outcome Outcome
}

// MarshalJSON writes the hold as its rule's text and outcome, the form
// `plan --json` has always printed.
func (h Hold) MarshalJSON() ([]byte, error) {
	return json.Marshal(holdJSON{Rule: h.Rule(), Outcome: h.Outcome})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (h *Hold) UnmarshalJSON(b []byte) error {
	var j holdJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*h = ParseRule(j.Rule)
	h.Outcome = j.Outcome
	return nil
}
