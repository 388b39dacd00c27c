package policy

import (
	"path"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
)

// Match reports whether host is in scope: it matches an Include glob (or
// Include is empty) and no Exclude glob. Globs use path.Match syntax and
// compare case-insensitively, as Windows host names do. A malformed glob
// (Parse rejects them) matches nothing.
func (s Scope) Match(host vocab.Host) bool {
	h := strings.ToLower(string(host))
	if len(s.Include) > 0 && !anyMatch(s.Include, h) {
		return false
	}
	return !anyMatch(s.Exclude, h)
}

func anyMatch(globs []string, h string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(strings.ToLower(g), h); ok {
			return true
		}
	}
	return false
}

// Limit returns the limit on kind k, if the policy sets one.
func (p *Policy) Limit(k actions.Kind) (Limit, bool) {
	for _, l := range p.Limits {
		if l.Kind == k {
			return l, true
		}
	}
	return Limit{}, false
}

// NeedsApproval reports whether actions of kind k wait for
// `reconciler approve` before they are applied.
func (p *Policy) NeedsApproval(k actions.Kind) bool {
	return slices.Contains(p.Approve, k)
}

// DryRun reports whether actions of kind k are planned and audited but not
// applied: the whole policy is in dry-run mode, or k is in dry_run_kinds.
func (p *Policy) DryRun(k actions.Kind) bool {
	return p.Mode != Enforce || slices.Contains(p.DryRunKinds, k)
}
