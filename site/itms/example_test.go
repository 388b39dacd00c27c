package itms

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/policy"
)

// TestExamplePolicyOpens keeps examples/policy-itms.hcl consistent with
// the driver: it decodes, and Open accepts its site block as it stands.
func TestExamplePolicyOpens(t *testing.T) {
	p, err := policy.Load(filepath.Join("..", "..", "examples", "policy-itms.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Site.ITMS == nil || p.Mode != policy.DryRun {
		t.Fatalf("example is not a dry-run itms policy: %+v", p.Site)
	}
	env := newTestEnv()
	env.vars["RECONCILER_CMDB_DSN"] = urlDSN("database=Symantec_CMDB")
	env.vars["RECONCILER_WINRM_USER"] = `CORP\svc-reconciler`
	env.vars["RECONCILER_WINRM_PASSWORD"] = sentinel
	opt := env.options()
	opt.transport = failTransport{t}
	s, err := Open(context.Background(), *p.Site.ITMS, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := securityNotes(s); len(n) != 3 || !strings.HasPrefix(n[0], "WinRM auth: NTLM as ") || !strings.HasPrefix(n[1], "CMDB TLS: ") {
		t.Errorf("notes %q, want the WinRM auth note, the CMDB TLS note and the credential command's absence", n)
	}
}
