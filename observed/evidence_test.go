package observed

import (
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

// TestCheckFactsKeepsUnknownsAndEvidence: the why of an unknown fact is
// kept (clipped), and evidence counts are ones a driver could have made.
func TestCheckFactsKeepsUnknownsAndEvidence(t *testing.T) {
	long := strings.Repeat("x", 200)
	for _, tc := range []struct {
		in, want CredentialEvidence
	}{
		{CredentialEvidence{FoldersRead: 3, BareFolders: 2, TrustErrors: 1}, CredentialEvidence{FoldersRead: 3, BareFolders: 2, TrustErrors: 1}},
		{CredentialEvidence{FoldersRead: 1, BareFolders: 5}, CredentialEvidence{FoldersRead: 1, BareFolders: 1}},
		{CredentialEvidence{FoldersRead: -1, BareFolders: -2, TrustErrors: -3}, CredentialEvidence{}},
	} {
		f := AgentFacts{Server: "PS001", AppliedUnknown: long, PolicyVersionUnknown: "no version", Evidence: tc.in}
		got, _, refusal := checkFacts("PS001", nil, f)
		if refusal != "" {
			t.Fatal(refusal)
		}
		if got.Evidence != tc.want {
			t.Errorf("evidence %+v, want %+v", got.Evidence, tc.want)
		}
		if got.AppliedUnknown != vocab.Clip(long) || got.PolicyVersionUnknown != "no version" || got.Known() {
			t.Errorf("unknowns %q %q", got.AppliedUnknown, got.PolicyVersionUnknown)
		}
	}
}
