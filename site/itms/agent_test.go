package itms

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

// Packages of the observe fixture.
var (
	pkgReady    = vocab.MustGUID("11111111-2222-3333-4444-000000000001") // current snapshot, Ready
	pkgStale    = vocab.MustGUID("11111111-2222-3333-4444-000000000002") // no snapshot, status Invalid
	pkgReparse  = vocab.MustGUID("11111111-2222-3333-4444-000000000003") // snapshot behind a junction
	pkgBadCode  = vocab.MustGUID("11111111-2222-3333-4444-000000000004") // unknown agent status code
	pkgDownload = vocab.MustGUID("11111111-2222-3333-4444-000000000005") // downloading (code 2), id in upper case
)

func enc(s string) *string {
	e := base64.StdEncoding.EncodeToString([]byte(s))
	return &e
}

// agentLogTail is agent.log as KB 179719 shows it, in UTF-16LE to check
// that wide logs are scanned too.
func agentLogTail() string {
	text := `<event date='May 16 11:51:05' severity='2' hostName='xx100' source='CreateDirectoryPath' module='AeXNSAgent.exe' process='AeXNSAgent.exe' pid='724' thread='1740' tickCount='495844828' >` +
		`<![CDATA[Cannot create directory: 0x80070005 [Access is denied] d:]]></event>` + "\r\n"
	var b []byte
	for _, c := range text {
		b = append(b, byte(c), 0)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// observeAgentReply is a raw observe_agent reply with one of each case.
func observeAgentReply(t *testing.T) string {
	tail := agentLogTail()
	return reply(t, map[string]any{
		"ok": true,
		"policy_files": []map[string]any{
			{"name": "NS01.xml", "written": "2024-05-01T10:00:00.0000000Z", "has_credentials": true, "user": `CORP\svc-itms-acc`, "refused": ""},
			{"name": "Other.xml", "written": "2024-05-01T11:00:00.5000000Z", "has_credentials": false, "user": "", "refused": ""},
			{"name": "Linked.xml", "written": "2030-01-01T00:00:00Z", "has_credentials": true, "user": "CORP\\evil", "refused": "reparse_point"},
		},
		"acl": []map[string]any{
			{"identity": `NT AUTHORITY\SYSTEM`, "rights": 2032127, "type": "Allow", "inheritance": 3, "propagation": 0},
			{"identity": `BUILTIN\Administrators`, "rights": 268435456, "type": "Allow", "inheritance": 3, "propagation": 2},
			{"identity": `CORP\svc-itms-acc`, "rights": 2032127, "type": "Allow", "inheritance": 3, "propagation": 0},
			{"identity": `CORP\this-folder-only`, "rights": 2032127, "type": "Allow", "inheritance": 0, "propagation": 0},
			{"identity": `CORP\modify`, "rights": 1245631, "type": "Allow", "inheritance": 3, "propagation": 0},
			{"identity": `CORP\denied`, "rights": 2032127, "type": "Allow", "inheritance": 3, "propagation": 0},
			{"identity": `CORP\denied`, "rights": 65536, "type": "Deny", "inheritance": 3, "propagation": 0},
		},
		"log":   map[string]any{"data": tail, "refused": ""},
		"local": []map[string]any{{"id": string(pkgReady), "status": 1}, {"id": string(pkgBadCode), "status": 9}, {"id": string(pkgDownload), "status": 2}},
		"packages": []map[string]any{
			{"id": string(pkgReady), "snapshot": map[string]any{"data": enc(`<?xml version="1.0"?><snapshot version="3" packageId="{11111111-2222-3333-4444-000000000001}"><file`), "refused": ""},
				"status": map[string]any{"data": enc(`<PackageStatus Status="Ready"/>`), "refused": ""}},
			{"id": string(pkgStale), "snapshot": map[string]any{"data": nil, "refused": ""},
				"status": map[string]any{"data": enc(`<PackageStatus Status="invalid"/>`), "refused": ""}},
			{"id": string(pkgReparse), "snapshot": map[string]any{"data": nil, "refused": "reparse_point"},
				"status": map[string]any{"data": nil, "refused": ""}},
			{"id": string(pkgBadCode), "snapshot": map[string]any{"data": nil, "refused": ""},
				"status": map[string]any{"data": nil, "refused": ""}},
			{"id": strings.ToUpper(string(pkgDownload)), "snapshot": map[string]any{"data": enc(`<snapshot Version="2"/>`), "refused": ""},
				"status": map[string]any{"data": nil, "refused": ""}},
		},
	})
}

func TestObserveAgentEndToEnd(t *testing.T) {
	f := newFakeWinRM(t, func(s sentScript) (string, int) {
		if s.Op == string(opObserveCredential) {
			return nsSettingReply(t), 0
		}
		return observeAgentReply(t), 0
	})
	f.timeoutFirst = true
	env := newTestEnv()
	site := openAgainst(t, f, env)
	ctx := context.Background()
	if _, err := site.Setting(ctx); err != nil {
		t.Fatal(err)
	}
	asked := []vocab.GUID{pkgReady, pkgStale, pkgReparse, pkgBadCode, pkgDownload}
	facts, err := site.Agent(ctx, testHost, asked)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(facts, "", "  ")
	golden(t, "agent_facts.golden.json", append(got, '\n'))

	sent := f.sent()
	if len(sent) != 2 || sent[1].Op != "observe_agent" {
		t.Fatalf("scripts sent: %+v", sent)
	}
	pkgs := sent[1].Params["packages"].([]any)
	first := pkgs[0].(map[string]any)
	if first["snapshot"] != `C:\ProgramData\Symantec\Symantec Agent\Package Delivery\{11111111-2222-3333-4444-000000000001}\snapshot.xml` ||
		first["status"] != `C:\ProgramData\Symantec\Symantec Agent\Package Server Agent\PackageStatus\{11111111-2222-3333-4444-000000000001}\PackageStatus.xml` {
		t.Errorf("package paths %+v", first)
	}
	wantActions := []string{"Create", "Command", "Send", "Receive", "Receive", "Receive", "Signal", "Delete"}
	if got := f.seenActions(); !slices.Equal(got[len(got)-len(wantActions):], wantActions) {
		t.Errorf("actions %q, want to end with %q", got, wantActions)
	}
	logs := env.logs.String()
	for _, want := range []string{"package files left out", "reparse_point", "unknown agent package status code 9"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	assertNoSentinel(t, logs)
}

func TestObserveAgentNeedsNSSetting(t *testing.T) {
	f := newFakeWinRM(t, func(sentScript) (string, int) { return observeAgentReply(t), 0 })
	site := openAgainst(t, f, newTestEnv())
	_, err := site.Agent(context.Background(), testHost, []vocab.GUID{pkgReady})
	if err == nil || !strings.Contains(err.Error(), "NS setting has not been read yet") {
		t.Fatalf("err = %v", err)
	}
}
