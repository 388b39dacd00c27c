package itms

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

// failTransport fails the test if anything reaches the network.
type failTransport struct{ t *testing.T }

func (f failTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.t.Errorf("a request was sent to %s", r.URL)
	return nil, http.ErrHandlerTimeout
}

// openRefusing opens a site whose network fails the test when used.
func openRefusing(t *testing.T) *Site {
	t.Helper()
	opt := newTestEnv().options()
	opt.transport = failTransport{t}
	s, err := Open(context.Background(), testConfig(5986), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// hostile values: paths, devices, wildcards, quoting and subexpressions,
// and GUIDs in a form other than the canonical one.
var hostile = []string{
	`..\..\Windows\System32`, `..\`, `C:\Windows`, `\\?\C:\x`, `\\.\C:\x`, `\\server\share`, `file:stream`,
	`NUL`, `COM1.txt`, `COM1`, `snapshot.`, `snapshot `, `[ ]`, `*`, `?`, `"x"`, `'x'`, `$(Remove-Item C:\)`,
	"`calc`", "a;b", "a\nb", "", strings.Repeat("a", 300),
	"11111111-2222-3333-4444-000000000001.", "11111111-2222-3333-4444-000000000001 ",
	"11111111-2222-3333-4444-00000000000A", "{11111111-2222-3333-4444-000000000001}",
	"11111111-2222-3333-4444-000000000001\\..", "ps001.corp.example.", "ps 001", "-ps001", "ps_001", "a..b",
}

func TestHostileValuesNeverReachAServer(t *testing.T) {
	s := openRefusing(t)
	ctx := context.Background()
	good := actions.Target{Server: "PS001"}
	for _, h := range hostile {
		pkg, host := vocab.GUID(h), vocab.Host(h)
		acts := []actions.Action{
			{Kind: actions.DeletePSSnapshot, Target: actions.Target{Server: "PS001", Package: pkg}},
			{Kind: actions.DeletePSStatus, Target: actions.Target{Server: "PS001", Package: pkg}},
			{Kind: actions.DeleteNSSnapshot, Target: actions.Target{Package: pkg}},
			{Kind: actions.DeletePSSnapshot, Target: actions.Target{Server: host, Package: pkgReady}},
			{Kind: actions.UpdateConfiguration, Target: actions.Target{Server: host}},
			{Kind: actions.ResendStatus, Target: actions.Target{Server: host}},
			{Kind: actions.GrantACL, Target: actions.Target{Server: host}, Account: `CORP\svc`},
			{Kind: actions.GrantACL, Target: good, Account: h},
			{Kind: actions.SetCredentialMode, Mode: vocab.ACC, Account: h},
			{Kind: actions.SetCredentialMode, Mode: vocab.Mode(h)},
		}
		for _, a := range acts {
			if a.Account == h && checkAccount(h) == nil || a.Target.Server == host && checkHost(host) == nil {
				continue // a plausible account or host name (for example "'x'", "a..b") is data, and allowed
			}
			err := s.Apply(ctx, a)
			if c, _ := failure.Classify(err); err == nil || c != failure.Terminal || !strings.Contains(err.Error(), "refused") {
				t.Errorf("%s %q: Apply = %v", a.Kind, h, err)
			}
		}
		if checkHost(host) != nil {
			if _, err := s.Agent(ctx, host, []vocab.GUID{pkgReady}); err == nil {
				t.Errorf("Agent(%q) accepted", h)
			}
		}
		if _, err := s.Agent(ctx, "PS001", []vocab.GUID{pkgReady, pkg}); err == nil {
			t.Errorf("Agent(PS001, %q) accepted", h)
		}
		if _, err := s.Snapshots(ctx, []vocab.GUID{pkg}); err == nil {
			t.Errorf("Snapshots(%q) accepted", h)
		}
	}
}

func TestMalformedActionsRefused(t *testing.T) {
	s := openRefusing(t)
	acts := []actions.Action{
		{Kind: "format_disk", Target: actions.Target{Server: "PS001"}},
		{Kind: actions.DeleteNSSnapshot, Target: actions.Target{Server: "PS001", Package: pkgReady}},
		{Kind: actions.DeleteNSSnapshot},
		{Kind: actions.RunPackageRefresh, Target: actions.Target{Server: "PS001"}},
		{Kind: actions.RunPackageRefresh, Target: actions.Target{Package: pkgReady}},
		{Kind: actions.SetCredentialMode, Target: actions.Target{Server: "PS001"}, Mode: vocab.Anonymous},
		{Kind: actions.SetCredentialMode, Mode: vocab.ACC},
		{Kind: actions.DeletePSSnapshot},
		{Kind: actions.DeletePSSnapshot, Target: actions.Target{Server: "PS001"}},
		{Kind: actions.UpdateConfiguration, Target: actions.Target{Server: "PS001", Package: pkgReady}},
		{Kind: actions.GrantACL, Target: actions.Target{Server: "PS001"}},
	}
	for _, a := range acts {
		if err := s.Apply(context.Background(), a); err == nil || !strings.Contains(err.Error(), "refused") {
			t.Errorf("%s %s: Apply = %v", a.Kind, a.Target, err)
		}
	}
}

func TestHostileConfigRefusedAtOpen(t *testing.T) {
	setters := map[string]func(*policy.ITMSSite, string){
		"snapshots_dir":    func(c *policy.ITMSSite, v string) { c.NS.SnapshotsDir = v },
		"package_delivery": func(c *policy.ITMSSite, v string) { c.Agent.PackageDelivery = v },
		"package_status":   func(c *policy.ITMSSite, v string) { c.Agent.PackageStatus = v },
		"logs":             func(c *policy.ITMSSite, v string) { c.Agent.Logs = v },
		"client_policies":  func(c *policy.ITMSSite, v string) { c.Agent.ClientPolicies = v },
		"refresh_task":     func(c *policy.ITMSSite, v string) { c.NS.RefreshTask = v },
		"ns host":          func(c *policy.ITMSSite, v string) { c.NS.Host = vocab.Host(v) },
	}
	values := append(append([]string(nil), attackRoots...), hostile...)
	for name, set := range setters {
		for _, v := range values {
			if name == "refresh_task" && checkTaskName(v) == nil || name == "ns host" && checkHost(vocab.Host(v)) == nil {
				continue
			}
			if v == "" && (name == "refresh_task" || name == "package_delivery" || name == "package_status") {
				continue // "" finds the task by listing, the folders on each server
			}
			cfg := testConfig(5986)
			set(&cfg, v)
			opt := newTestEnv().options()
			opt.transport = failTransport{t}
			if s, err := Open(context.Background(), cfg, opt); err == nil {
				s.Close()
				t.Errorf("%s = %q: Open accepted it", name, v)
			}
		}
	}
}
