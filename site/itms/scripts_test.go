package itms

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
)

// openOffline opens a site for request building only (nothing is dialled).
func openOffline(t *testing.T) *Site {
	t.Helper()
	s, err := Open(context.Background(), testConfig(5986), newTestEnv().options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sampleRequests is one realistic request per script.
func sampleRequests(t *testing.T, s *Site) map[op]any {
	t.Helper()
	ps := vocab.Host("PS001")
	var loc locateReply
	if err := json.Unmarshal([]byte(recorded(t, "locate_agent")), &loc); err != nil {
		t.Fatal(err)
	}
	locs := buildLocations("", "", loc)
	s.remember(ps, locs, locations{delivery: locs.delivery[:1], status: locs.status[:1]})
	agent, err := s.agentParams(locs, []vocab.GUID{pkgReady})
	if err != nil {
		t.Fatal(err)
	}
	a := s.cfg.Agent
	out := map[op]any{
		opLocateAgent: locateParams{RegistryKey: agentRegistryKey, InstallValue: agentInstallValue, ClientPolicies: a.ClientPolicies,
			LocationXPath: locationXPath, MaxPolicyBytes: maxPolicyBytes, MaxValues: maxLocationValues},
		opObserveAgent: agent,
		opObserveNS: nsParams{Root: s.cfg.NS.SnapshotsDir, HeadBytes: headBytes,
			Packages: []nsPackage{{ID: pkgReady, Path: nsSnapshotPath(s.cfg.NS.SnapshotsDir, pkgReady)}}},
		opObserveCredential: credentialParams{Command: s.credCommand},
	}
	for _, a := range []actions.Action{
		{Kind: actions.UpdateConfiguration, Target: actions.Target{Server: ps}},
		{Kind: actions.ResendStatus, Target: actions.Target{Server: ps}},
		{Kind: actions.GrantACL, Target: actions.Target{Server: ps}, Account: `CORP\svc-itms-acc`},
		{Kind: actions.DeletePSSnapshot, Target: actions.Target{Server: ps, Package: pkgReady}},
		{Kind: actions.DeletePSStatus, Target: actions.Target{Server: ps, Package: pkgReady}},
		{Kind: actions.DeleteNSSnapshot, Target: actions.Target{Package: pkgReady}},
		{Kind: actions.RunPackageRefresh},
		{Kind: actions.SetCredentialMode, Mode: vocab.ACC, Account: `CORP\svc-itms-acc`},
	} {
		req, err := s.requestFor(a)
		if err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
		out[req.op] = req.params
	}
	return out
}

// TestScriptGoldens keeps the exact text of every script as sent, with
// its sample parameters decoded after it, so that a change to a script or
// to its parameters shows in review.
func TestScriptGoldens(t *testing.T) {
	s := openOffline(t)
	reqs := sampleRequests(t, s)
	if len(reqs) != len(allOps) {
		t.Fatalf("%d sample requests for %d operations", len(reqs), len(allOps))
	}
	b64RE := regexp.MustCompile(`\$ReconcilerParameters = '([A-Za-z0-9+/=]*)'`)
	for _, o := range allOps {
		t.Run(string(o), func(t *testing.T) {
			text, err := buildScript(o, reqs[o])
			if err != nil {
				t.Fatal(err)
			}
			m := b64RE.FindStringSubmatch(text)
			if m == nil {
				t.Fatal("no parameters line")
			}
			js, _ := base64.StdEncoding.DecodeString(m[1])
			var pretty any
			if err := json.Unmarshal(js, &pretty); err != nil {
				t.Fatal(err)
			}
			dec, _ := json.MarshalIndent(pretty, "# ", "  ")
			out := text + "\n# --- parameters, decoded (not part of the script) ---\n# " + string(dec) + "\n"
			golden(t, "scripts/"+string(o)+".golden", []byte(out))
		})
	}
	golden(t, "scripts/bootstrap.golden", []byte(commandLine()+"\n# decoded:\n"+bootstrap+"\n"))
}

func TestEveryScriptHasAnOperation(t *testing.T) {
	names, err := fs.Glob(scriptFS, "scripts/*.ps1")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "scripts/"), ".ps1")
		if name != "prelude" && !slices.Contains(allOps, op(name)) {
			t.Errorf("script %s has no operation", n)
		}
	}
	for _, o := range allOps {
		if _, err := scriptText(string(o)); err != nil {
			t.Error(err)
		}
	}
}

// TestScriptsUseLiteralPaths checks the scripts' file operations: every
// cmdlet that takes a path gets -LiteralPath, never -Path or a positional
// path that PowerShell would expand as a wildcard.
func TestScriptsUseLiteralPaths(t *testing.T) {
	cmdlet := regexp.MustCompile(`\b(Get-Item|Test-Path|Remove-Item|Get-ChildItem|Get-Acl|Set-Acl|Get-Content|Set-Content|Split-Path)\b[^\n]*`)
	names, _ := fs.Glob(scriptFS, "scripts/*.ps1")
	for _, n := range names {
		b, _ := scriptFS.ReadFile(n)
		for _, use := range cmdlet.FindAllString(string(b), -1) {
			if !strings.Contains(use, "-LiteralPath") {
				t.Errorf("%s: %q without -LiteralPath", n, use)
			}
		}
		if strings.Contains(string(b), "Invoke-Expression") || strings.Contains(string(b), "iex ") {
			t.Errorf("%s evaluates text", n)
		}
	}
}

func TestBuildScriptQuotesOnlyBase64(t *testing.T) {
	text, err := buildScript(opGrantACL, grantParams{Roots: []string{`C:\x`}, Account: `a'; Remove-Item C:\ -Recurse; '`})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "Remove-Item C:") {
		t.Error("a parameter reached the script text")
	}
	if _, err := assemble(opGrantACL, "abc'; calc; '"); err == nil {
		t.Error("assemble accepted a non-base64 parameter string")
	}
}
