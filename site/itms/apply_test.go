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
	delivery   = `C:\ProgramData\Symantec\Symantec Agent\Package Delivery`
	statusRoot = `C:\ProgramData\Symantec\Symantec Agent\Package Server Agent\PackageStatus`
	snapshots  = `C:\ProgramData\Symantec\SMP\Snapshots`
)

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
			`{"ignore_blockouts":false}`, `{"ok":true}`},
		{actions.Action{Kind: actions.ResendStatus, Target: ps}, opResendStatus, `{}`, `{"ok":true}`},
		{actions.Action{Kind: actions.GrantACL, Target: ps, Account: `CORP\svc-itms-acc`}, opGrantACL,
			jsonOf(t, map[string]string{"root": delivery, "account": `CORP\svc-itms-acc`}), `{"ok":true,"sid":"S-1-5-21-1-2-3-1104"}`},
		{actions.Action{Kind: actions.DeletePSSnapshot, Target: psPkg}, opDeletePSSnapshot,
			jsonOf(t, map[string]string{"root": delivery, "path": delivery + `\` + braced + `\snapshot.xml`}), `{"ok":true,"deleted":true}`},
		{actions.Action{Kind: actions.DeletePSStatus, Target: psPkg}, opDeletePSStatus,
			jsonOf(t, map[string]string{"root": statusRoot, "path": statusRoot + `\` + braced + `\PackageStatus.xml`}), `{"ok":true,"deleted":false}`},
		{actions.Action{Kind: actions.DeleteNSSnapshot, Target: actions.Target{Package: pkgReady}}, opDeleteNSSnapshot,
			jsonOf(t, map[string]string{"root": snapshots, "path": snapshots + `\` + braced + `.xml`}), `{"ok":true,"deleted":true}`},
		{actions.Action{Kind: actions.RunPackageRefresh}, opRunPackageRefresh,
			`{"task":"NS.Package.Refresh"}`, `{"ok":true,"task_path":"\\"}`},
		{actions.Action{Kind: actions.SetCredentialMode, Mode: vocab.Anonymous, Account: `CORP\ignored`}, opSetCredentialMode,
			jsonOf(t, map[string]string{"command": b64(credCommandText), "mode": "anonymous", "account": ""}), `{"ok":true}`},
		{actions.Action{Kind: actions.SetCredentialMode, Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}, opSetCredentialMode,
			jsonOf(t, map[string]string{"command": b64(credCommandText), "mode": "acc", "account": `CORP\svc-itms-acc`}), `{"ok":true}`},
	}
	for _, tc := range tests {
		t.Run(string(tc.action.Kind)+"/"+string(tc.action.Mode), func(t *testing.T) {
			f := newFakeWinRM(t, func(sentScript) (string, int) { return tc.reply, 0 })
			site := openAgainst(t, f, newTestEnv())
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
