package guard

import (
	"fmt"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

// Warnings lists what in a valid policy keeps a remedy from ever being
// admitted. Today: a limit on set_credential_mode below 2 when the policy's
// credential is not anonymous makes the reset cycle (two changes, admitted
// whole) impossible, so stuck package servers are never repaired.
func Warnings(p *policy.Policy) []string {
	var out []string
	for _, x := range p.Limits {
		if x.Kind == actions.SetCredentialMode && x.Max < 2 && p.Credential.Mode != vocab.Anonymous {
			out = append(out, fmt.Sprintf("%s: the credential reset cycle needs 2 set_credential_mode within one window "+
				"and is admitted whole; with max = %d it never starts, and stuck package servers stay broken",
				actions.Held(actions.HoldLimit, limitDetail(x)).Rule(), x.Max))
		}
	}
	return out
}
