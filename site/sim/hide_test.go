package sim

import (
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

// TestHideCredentialFacts: with the switch, an agent's applied credential
// and policy version are unknown with why, while KB 179719's folder
// evidence still shows which servers did not apply the credential; the
// site's state is the same as without it.
func TestHideCredentialFacts(t *testing.T) {
	sc := small(t, `{"kind": "credential_not_received", "servers": ["PS002"]}`)
	for _, hide := range []bool{false, true} {
		s, err := NewMemory(sc, sc.Seed, Options{Clock: newClock(), HideCredentialFacts: hide})
		if err != nil {
			t.Fatal(err)
		}
		gs := s.Packages()
		for _, tc := range []struct {
			server string
			bare   int
		}{{"PS001", 0}, {"PS002", 2}} {
			f, err := s.Agent(ctx, vocab.Host(tc.server), gs[:2])
			if err != nil {
				t.Fatal(err)
			}
			if f.Evidence.FoldersRead != 2 || f.Evidence.BareFolders != tc.bare {
				t.Errorf("hide=%t %s: evidence %+v, want %d bare of 2", hide, tc.server, f.Evidence, tc.bare)
			}
			switch {
			case hide && (f.AppliedUnknown == "" || f.PolicyVersionUnknown == "" || f.Applied != (vocab.Credential{}) || f.PolicyVersion != 0):
				t.Errorf("%s: credential facts not hidden: %+v", tc.server, f)
			case !hide && !f.Known():
				t.Errorf("%s: credential facts hidden without the switch: %+v", tc.server, f)
			}
			if len(f.AppliedUnknown) > 80 || len(f.PolicyVersionUnknown) > 80 {
				t.Errorf("reasons longer than observed keeps: %q %q", f.AppliedUnknown, f.PolicyVersionUnknown)
			}
		}
		if hide != strings.Contains(strings.Join(s.Notes(), "\n"), "hide_credential_facts") {
			t.Errorf("hide=%t: notes %q", hide, s.Notes())
		}
	}
}
