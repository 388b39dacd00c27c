package actions

import (
	"encoding/json"
	"testing"
)

func TestHoldRule(t *testing.T) {
	tests := []struct {
		hold Hold
		rule string
	}{
		{Held(HoldLimit, "delete_ns_snapshot 20/1h0m0s"), "limit delete_ns_snapshot 20/1h0m0s"},
		{Held(HoldWindow, "window business denies set_credential_mode"), "window business denies set_credential_mode"},
		{Held(HoldWindow, "outside allow window nights"), "outside allow window nights"},
		{WaitHold("delete_ns_snapshot:NS:{x}"), "dependency delete_ns_snapshot:NS:{x}"},
		{Held(HoldApproval, "set_credential_mode:NS:acc#2"), "approval required: reconciler approve set_credential_mode:NS:acc#2"},
		{Held(HoldBlastRadius, "25 servers per pass"), "blast_radius 25 servers per pass"},
		{Held(HoldBreaker, "not-Ready pairs grew from 0 to 3"), "breaker open: not-Ready pairs grew from 0 to 3"},
		{Hold{Class: HoldMode, Detail: "dry-run", Outcome: Skipped}, "mode dry-run"},
		{Held(HoldScope, ""), "scope"},
		{Hold{Class: HoldAfter, Detail: "grant_acl:PS002", Outcome: Skipped}, "after failure of grant_acl:PS002"},
		{Held(HoldLimit, "set_credential_mode 4/24h0m0s").BoundTo(BindCycle, "set_credential_mode:NS:anonymous#2"),
			"reset cycle: set_credential_mode:NS:anonymous#2 would be held by limit set_credential_mode 4/24h0m0s"},
		{Held(HoldWindow, "outside allow window x").BoundTo(BindCycle, "update_configuration:PS002#1"),
			"reset cycle: update_configuration:PS002#1 would be held by outside allow window x"},
		{WaitHold("x").BoundTo(BindRestore, "update_configuration:PS001"),
			"snapshot restore update_configuration:PS001 would be held by dependency x"},
		{Hold{}.BoundTo(BindCycle, "a"), "reset cycle: a would be held by "},
		{Hold{}, ""},
	}
	for _, tc := range tests {
		if got := tc.hold.Rule(); got != tc.rule {
			t.Errorf("Rule() = %q, want %q", got, tc.rule)
		}
		back := ParseRule(tc.rule)
		want := tc.hold
		want.Outcome = ""
		if back != want {
			t.Errorf("ParseRule(%q) = %+v, want %+v", tc.rule, back, want)
		}
	}
}

func TestHoldBoundTwiceKeepsTheFirstBinding(t *testing.T) {
	h := Held(HoldMode, "dry-run").BoundTo(BindRestore, "u").BoundTo(BindCycle, "c")
	if h.Binding != BindRestore || h.Via != "u" || h.Class != HoldMode || h.Outcome != Deferred {
		t.Errorf("got %+v, want the restore binding kept, class mode, deferred", h)
	}
	if id, ok := h.WaitsFor(); ok {
		t.Errorf("a bound hold waits for %q", id)
	}
}

func TestParseRuleOfUnknownText(t *testing.T) {
	for _, s := range []string{"held by the moon", "reset cycle:  would be held by x",
		"reset cycle: a would be held by reset cycle: b would be held by scope"} {
		h := ParseRule(s)
		if h.Class != "" || h.ClassName() != "unknown" {
			t.Errorf("ParseRule(%q) class %q, want none", s, h.Class)
		}
		if h.Rule() != s {
			t.Errorf("ParseRule(%q).Rule() = %q", s, h.Rule())
		}
	}
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"limit a 1/1h", "scope", "mode dry-run", "window w denies k",
		"reset cycle: a would be held by dependency b", "snapshot restore u would be held by ", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := ParseRule(s)
		if got := h.Rule(); got != s {
			t.Fatalf("ParseRule(%q).Rule() = %q", s, got)
		}
		if again := ParseRule(h.Rule()); again != h {
			t.Fatalf("ParseRule not stable on %q: %+v then %+v", s, h, again)
		}
	})
}

func TestHoldJSONKeepsItsForm(t *testing.T) {
	h := Held(HoldLimit, "resend_status 5/1h0m0s").BoundTo(BindCycle, "set_credential_mode:NS:anonymous#1")
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"Rule":"reset cycle: set_credential_mode:NS:anonymous#1 would be held by limit resend_status 5/1h0m0s","Outcome":"deferred"}`
	if string(b) != want {
		t.Fatalf("json %s\nwant %s", b, want)
	}
	var back Hold
	if err := json.Unmarshal(b, &back); err != nil || back != h {
		t.Fatalf("back %+v (%v), want %+v", back, err, h)
	}
}
