package itms

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

const (
	delivery       = `D:\Program Files\Altiris\Altiris Agent\Package Delivery`
	delivery2      = `C:\ProgramData\Symantec\Symantec Agent\Package Delivery`
	statusRoot     = `D:\Program Files\Altiris\Altiris Agent\Package Server Agent\Package Status`
	snapshots      = `C:\ProgramData\Symantec\SMP\Snapshots`
	clientPolicies = `C:\Program Files\Altiris\Altiris Agent\Client Policies`
)

// observedFolders makes site know the folders an observation of testHost
// found: two Package Delivery folders and one Package Status folder.
func observedFolders(site *Site) {
	found := locations{delivery: []string{delivery, delivery2}, status: []string{statusRoot}}
	site.remember(testHost, found, found)
}

func TestApplyEndToEnd(t *testing.T) {
	ps := actions.Target{Server: testHost}
	psPkg := actions.Target{Server: testHost, Package: pkgReady}
	braced := pkgReady.Braced()
	tests := []struct {
		action actions.Action
		op     op
		params string // JSON of the parameters the server must receive
		reply  string
	}{
		{actions.Action{Kind: actions.UpdateConfiguration, Target: ps}, opUpdateConfiguration,
			jsonOf(t, map[string]any{"ignore_blockouts": false, "client_policies": clientPolicies, "wait_seconds": 40}), `{"ok":true,"waited":true}`},
		{actions.Action{Kind: actions.ResendStatus, Target: ps}, opResendStatus, `{}`, `{"ok":true}`},
		{actions.Action{Kind: actions.GrantACL, Target: ps, Account: `CORP\svc-itms-acc`}, opGrantACL,
			jsonOf(t, map[string]any{"roots": []string{delivery, delivery2}, "account": `CORP\svc-itms-acc`, "rights": "FullControl", "max_entries": 20000}),
			`{"ok":true,"sid":"S-1-5-21-1-2-3-1104","entries":[12,40]}`},
		{actions.Action{Kind: actions.DeletePSSnapshot, Target: psPkg}, opDeletePSSnapshot,
			jsonOf(t, map[string]any{"roots": []string{delivery, delivery2}, "targets": []map[string]string{
				{"root": delivery, "path": delivery + `\` + braced + `\snapshot.xml`},
				{"root": delivery2, "path": delivery2 + `\` + braced + `\snapshot.xml`}}}), `{"ok":true,"deleted":true}`},
		{actions.Action{Kind: actions.DeletePSStatus, Target: psPkg}, opDeletePSStatus,
			jsonOf(t, map[string]any{"roots": []string{statusRoot}, "targets": []map[string]string{
				{"root": statusRoot, "path": statusRoot + `\` + braced + `\PackageStatus.xml`}}}), `{"ok":true,"deleted":false}`},
		{actions.Action{Kind: actions.DeleteNSSnapshot, Target: actions.Target{Package: pkgReady}}, opDeleteNSSnapshot,
			jsonOf(t, map[string]any{"roots": []string{snapshots}, "targets": []map[string]string{
				{"root": snapshots, "path": snapshots + `\` + braced + `.xml`}}}), `{"ok":true,"deleted":true}`},
		{actions.Action{Kind: actions.RunPackageRefresh}, opRunPackageRefresh,
			`{"groups":[{"bases":["NS.Package.Refresh","NS.Package Refresh"],"name":"refresh"},` +
				`{"bases":["NS.Package Distribution Point Update Schedule"],"name":"distribution_point_update"}],"wait_seconds":40}`,
			`{"ok":true,"ran":[{"group":"refresh","task_name":"NS.Package Refresh.{0b8c6c6b-1b2a-4c1e-9d8e-3f2a1b4c5d6e}","task_path":"\\","completed":true}]}`},
		{actions.Action{Kind: actions.SetCredentialMode, Mode: vocab.Anonymous, Account: `CORP\ignored`}, opSetCredentialMode,
			jsonOf(t, map[string]string{"command": b64(credCommandText), "mode": "anonymous", "account": ""}), `{"ok":true}`},
		{actions.Action{Kind: actions.SetCredentialMode, Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}, opSetCredentialMode,
			jsonOf(t, map[string]string{"command": b64(credCommandText), "mode": "acc", "account": `CORP\svc-itms-acc`}), `{"ok":true}`},
	}
	for _, tc := range tests {
		t.Run(string(tc.action.Kind)+"/"+string(tc.action.Mode), func(t *testing.T) {
			f := newFakeWinRM(t, func(sentScript) (string, int) { return tc.reply, 0 })
			site := openAgainst(t, f, newTestEnv())
			observedFolders(site)
			if err := site.Apply(context.Background(), tc.action); err != nil {
				t.Fatal(err)
			}
			sent := f.sent()
			if len(sent) != 1 || sent[0].Op != string(tc.op) {
				t.Fatalf("sent %+v, want one %s", sent, tc.op)
			}
			if got := jsonOf(t, sent[0].Params); got != tc.params {
				t.Errorf("parameters\n got %s\nwant %s", got, tc.params)
			}
		})
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestActionsWaitForAnObservation: an action that needs a server's
// folders before any observation found them sends nothing and is not
// terminal (the next pass observes the server first).
func TestActionsWaitForAnObservation(t *testing.T) {
	site := openRefusing(t)
	for _, a := range []actions.Action{
		{Kind: actions.GrantACL, Target: actions.Target{Server: "PS001"}, Account: `CORP\svc-itms-acc`},
		{Kind: actions.DeletePSSnapshot, Target: actions.Target{Server: "PS001", Package: pkgReady}},
		{Kind: actions.DeletePSStatus, Target: actions.Target{Server: "PS001", Package: pkgReady}},
	} {
		err := site.Apply(context.Background(), a)
		if c, _ := failure.Classify(err); err == nil || c == failure.Terminal || !strings.Contains(err.Error(), "observed first") {
			t.Errorf("%s: %v (class %v)", a.Kind, err, c)
		}
	}
}

// TestRefreshWaitRefusals: a task that fails or outlasts the wait is a
// failure to retry, not a terminal one; a missing task is terminal.
func TestRefreshWaitRefusals(t *testing.T) {
	for reply, terminal := range map[string]bool{
		`{"ok":false,"code":"wait_timeout","error":"NS.Package Refresh still running at the wait limit"}`:                 false,
		`{"ok":false,"code":"task_failed","error":"NS.Package Refresh ended with result 1"}`:                              false,
		`{"ok":false,"code":"task_not_found","error":"no scheduled task named NS.Package.Refresh or NS.Package Refresh"}`: true,
		`{"ok":false,"code":"tree_too_large","error":"more than 20000 entries"}`:                                          true,
	} {
		f := newFakeWinRM(t, func(sentScript) (string, int) { return reply, 0 })
		site := openAgainst(t, f, newTestEnv())
		err := site.Apply(context.Background(), actions.Action{Kind: actions.RunPackageRefresh})
		if c, _ := failure.Classify(err); err == nil || (c == failure.Terminal) != terminal {
			t.Errorf("%s: %v (class %v), want terminal %t", reply, err, c, terminal)
		}
	}
}

func TestApplyServerRefusals(t *testing.T) {
	tests := []struct {
		name     string
		reply    string
		terminal bool
		want     string
	}{
		{"reparse point", `{"ok":false,"code":"reparse_point","error":"reparse point refused: C:\\PD\\{x}","hresult":"0x80131509"}`, true, "(reparse_point)"},
		{"COM access denied", `{"ok":false,"code":"com_error","error":"Access is denied.","hresult":"0x80070005"}`, true, "(com_forbidden)"},
		{"other COM error", `{"ok":false,"code":"com_error","error":"Server busy","hresult":"0x8001010A"}`, false, "(com_error)"},
		{"task missing", `{"ok":false,"code":"task_not_found","error":"no scheduled task named NS.Package.Refresh"}`, true, "task_not_found"},
		{"exception", `{"ok":false,"code":"exception","error":"The network path was not found."}`, false, "network path"},
		{"no code", `{"ok":false}`, false, "(unknown)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeWinRM(t, func(sentScript) (string, int) { return tc.reply, 0 })
			site := openAgainst(t, f, newTestEnv())
			err := site.Apply(context.Background(), actions.Action{Kind: actions.ResendStatus, Target: actions.Target{Server: testHost}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if c, _ := failure.Classify(err); (c == failure.Terminal) != tc.terminal {
				t.Errorf("class %v, want terminal %v", c, tc.terminal)
			}
			var te interface{ Terminal() bool }
			if tc.terminal && (!errors.As(err, &te) || !te.Terminal()) {
				t.Error("not an observed.TerminalError")
			}
		})
	}
}

func TestCredentialCommandMissing(t *testing.T) {
	env := newTestEnv()
	cfg := testConfig(5986)
	cfg.NS.CredentialCommand = ""
	site, err := Open(context.Background(), cfg, env.options())
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	err = site.Apply(context.Background(), actions.Action{Kind: actions.SetCredentialMode, Mode: vocab.Anonymous})
	if c, _ := failure.Classify(err); c != failure.Terminal ||
		!strings.Contains(err.Error(), "set_credential_mode needs site.itms.ns.credential_command (see README)") {
		t.Fatalf("Apply = %v (class %v)", err, c)
	}
	_, err = site.Setting(context.Background())
	if !errors.Is(err, observed.ErrNotManaged) || !strings.Contains(err.Error(), "credential_command") {
		t.Fatalf("Setting = %v, want observed.ErrNotManaged", err)
	}
	if !strings.Contains(strings.Join(site.StartupNotes(), "\n"), "credential_command not set") {
		t.Errorf("notes %q", site.StartupNotes())
	}
}
