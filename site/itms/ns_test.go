package itms

import (
	"context"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

func TestSettingEndToEnd(t *testing.T) {
	tests := []struct {
		name    string
		reply   string
		want    observed.NSState
		wantErr string
	}{
		{"acc", `{"ok":true,"mode":"acc","account":"CORP\\svc-itms-acc","policy_version":"1714557600"}`,
			observed.NSState{Credential: vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}, PolicyVersion: 1714557600}, ""},
		{"anonymous drops the account", `{"ok":true,"mode":"Anonymous","account":"leftover","policy_version":"2024-05-01T10:00:00.0000000Z"}`,
			observed.NSState{Credential: vocab.Credential{Mode: vocab.Anonymous}, PolicyVersion: 1714557600}, ""},
		{"unknown mode", `{"ok":true,"mode":"kerberos","account":"","policy_version":"1"}`, observed.NSState{}, "unknown credential mode"},
		{"acc without account", `{"ok":true,"mode":"acc","account":"","policy_version":"1"}`, observed.NSState{}, "needs an account"},
		{"no policy version", `{"ok":true,"mode":"acc","account":"CORP\\a","policy_version":""}`, observed.NSState{}, "policy_version"},
		{"zero policy version", `{"ok":true,"mode":"acc","account":"CORP\\a","policy_version":"0"}`, observed.NSState{}, "want the Unix time"},
		{"command wrote nothing", `{"ok":false,"code":"bad_command_output","error":"the credential command wrote no object for verb observe"}`, observed.NSState{}, "bad_command_output"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeWinRM(t, func(s sentScript) (string, int) {
				if s.Op != string(opObserveCredential) || s.Params["command"] != b64(credCommandText) {
					t.Errorf("sent %s %v", s.Op, s.Params)
				}
				return tc.reply, 0
			})
			site := openAgainst(t, f, newTestEnv())
			got, err := site.Setting(context.Background())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if c, _ := failure.Classify(err); c != failure.Terminal {
					t.Errorf("a broken credential command is %v, want terminal", c)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Setting = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestSnapshotsEndToEnd(t *testing.T) {
	present, absent, refused, broken := pkgReady, pkgStale, pkgReparse, pkgBadCode
	f := newFakeWinRM(t, func(s sentScript) (string, int) {
		return reply(t, map[string]any{"ok": true, "snapshots": []map[string]any{
			{"id": string(present), "head": enc(`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<snapshot version="12">`), "refused": ""},
			{"id": string(absent), "head": nil, "refused": ""},
			{"id": string(refused), "head": nil, "refused": "reparse_point"},
			{"id": string(broken), "head": enc(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///c:/windows/win.ini">]><snapshot version="&e;"/>`), "refused": ""},
		}}), 0
	})
	env := newTestEnv()
	site := openAgainst(t, f, env)
	got, err := site.Snapshots(context.Background(), []vocab.GUID{present, absent, refused, broken})
	if err != nil {
		t.Fatal(err)
	}
	want := []observed.Snapshot{{Package: present, Present: true, Version: "12"}, {Package: absent}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("Snapshots = %+v, want %+v", got, want)
	}
	sent := f.sent()[0]
	pkgs := sent.Params["packages"].([]any)
	if p := pkgs[0].(map[string]any)["path"]; p != snapshots+`\`+present.Braced()+`.xml` || sent.Params["root"] != snapshots {
		t.Errorf("parameters %v", sent.Params)
	}
	if logs := env.logs.String(); !strings.Contains(logs, "DTD refused") || !strings.Contains(logs, "reparse_point") {
		t.Errorf("log lacks the left-out snapshots:\n%s", logs)
	}
}
