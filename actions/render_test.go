package actions

import (
	"bytes"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

// TestSummaryLine: the summary lists only the kinds the plan holds, in the
// fixed kind order, and counts in the singular when there is one.
func TestSummaryLine(t *testing.T) {
	ps := Target{Server: vocab.Host("PS001")}
	for _, tc := range []struct {
		name string
		plan Plan
		want string
	}{
		{"empty", Plan{}, "Plan: 0 actions; 0 notes."},
		{"one of each", Plan{Actions: []Action{{ID: "a", Kind: ResendStatus, Target: ps}},
			Notes: []Note{{Message: "x"}}}, "Plan: 1 action (resend_status 1); 1 note."},
		{"kind order", Plan{Actions: []Action{{ID: "a", Kind: ResendStatus, Target: ps}, {ID: "b", Kind: UpdateConfiguration, Target: ps},
			{ID: "c", Kind: SetCredentialMode}}}, "Plan: 3 actions (set_credential_mode 1, update_configuration 1, resend_status 1); 0 notes."},
	} {
		if got := SummaryLine(tc.plan); got != tc.want {
			t.Errorf("%s: got  %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestRenderSaysOneAction(t *testing.T) {
	p := Plan{ID: "p-1", Actions: []Action{{ID: "resend_status:PS001", Kind: ResendStatus, Target: Target{Server: "PS001"},
		Reasons: []Reason{{Cause: StatusLost, Message: "lost"}}}}}
	var b bytes.Buffer
	if err := Render(&b, p, RenderOptions{Holds: map[string]Hold{"resend_status:PS001": {Class: HoldMode, Detail: "dry-run"}}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Plan p-1: 1 action, in this order:", "1 action would wait now"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("render lacks %q:\n%s", want, b.String())
		}
	}
}
