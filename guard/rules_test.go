package guard

import "testing"

func TestRuleClass(t *testing.T) {
	tests := map[string]string{
		"limit delete_ns_snapshot 20/1h0m0s":                                     "limit",
		"window business denies set_credential_mode":                             "window",
		"outside allow window nights":                                            "window",
		"dependency delete_ns_snapshot:NS:{x}":                                   "dependency",
		"approval required: reconciler approve set_credential_mode:NS:acc#2":     "approval",
		"blast_radius 25 servers per pass":                                       "blast_radius",
		"breaker open: not-Ready pairs grew from 0 to 3 after a pass that acted": "breaker",
		"mode dry-run":                     "mode",
		"scope":                            "scope",
		"after failure of grant_acl:PS002": "after",
		"reset cycle: round 2 would be held by limit set_credential_mode 4/24h0m0s": "limit",
		"reset cycle: round 2 would be held by outside allow window x":              "window",
		"reset cycle: update_configuration:PS002#1 would be held by mode dry-run":   "mode",
		"snapshot restore update_configuration:PS001 would be held by dependency x": "dependency",
		"": "unknown",
	}
	for rule, want := range tests {
		if got := RuleClass(rule); got != want {
			t.Errorf("RuleClass(%q) = %q, want %q", rule, got, want)
		}
	}
}
