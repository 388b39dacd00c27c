package itms

import (
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

func TestAppliedUser(t *testing.T) {
	tests := []struct {
		name    string
		files   []policyFile
		user    string
		version int64
		wantErr string
	}{
		{"none", nil, "", 0, "no readable client policy file"},
		{"anonymous", []policyFile{{Name: "a.xml", Written: "2024-05-01T10:00:00Z"}}, "", 1714557600, ""},
		{"newest credentials win", []policyFile{
			{Name: "old.xml", Written: "2024-05-01T09:00:00Z", HasCredentials: true, User: `CORP\old`},
			{Name: "new.xml", Written: "2024-05-01T10:00:00Z", HasCredentials: true, User: ` CORP\new `},
			{Name: "other.xml", Written: "2024-05-01T12:00:00Z"},
		}, `CORP\new`, 1714564800, ""},
		{"refused files ignored", []policyFile{
			{Name: "a.xml", Written: "2024-05-01T10:00:00Z"},
			{Name: "link.xml", Written: "2099-01-01T00:00:00Z", HasCredentials: true, User: "evil", Refused: "reparse_point"},
		}, "", 1714557600, ""},
		{"only refused", []policyFile{{Name: "link.xml", Written: "2024-05-01T10:00:00Z", Refused: "reparse_point"}}, "", 0, "no readable"},
		{"bad time", []policyFile{{Name: "a.xml", Written: "yesterday"}}, "", 0, "last write time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, v, err := appliedUser(tc.files)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || u != tc.user || v != tc.version {
				t.Errorf("appliedUser = %q, %d, %v; want %q, %d", u, v, err, tc.user, tc.version)
			}
		})
	}
}

func TestAppliedCredential(t *testing.T) {
	s := &Site{}
	if c, err := s.appliedCredential(""); err != nil || c.Mode != vocab.Anonymous {
		t.Errorf("empty user = %+v, %v", c, err)
	}
	if c, err := s.appliedCredential(`CORP\svc`); err != nil || c.Mode != modeUnknown {
		t.Errorf("unmanaged NS setting: %+v, %v; want the account with an unknown mode", c, err)
	}
	s.credCommand = "set-credential.ps1"
	if _, err := s.appliedCredential(`CORP\svc`); err == nil {
		t.Error("an account was labelled before any NS read")
	}
	s.lastNS.Store(&vocab.Credential{Mode: vocab.AppID, Account: `CORP\app`})
	if c, _ := s.appliedCredential(`CORP\svc`); c != (vocab.Credential{Mode: vocab.AppID, Account: `CORP\svc`}) {
		t.Errorf("labelled %+v", c)
	}
	s.lastNS.Store(&vocab.Credential{Mode: vocab.Anonymous})
	c, _ := s.appliedCredential(`CORP\svc`)
	if c.Mode != modeUnknown || c.Equal(vocab.Credential{Mode: vocab.Anonymous}) {
		t.Errorf("account under an anonymous NS = %+v", c)
	}
	if _, err := s.appliedCredential("a\x00b"); err == nil {
		t.Error("malformed account accepted")
	}
}

func TestFullControl(t *testing.T) {
	rules := []aclRule{
		{Identity: `NT AUTHORITY\SYSTEM`, Rights: rightsFullControl, Type: "Allow", Inheritance: 3},
		{Identity: `nt authority\system`, Rights: rightsFullControl, Type: "Allow", Inheritance: 3},
		{Identity: `BUILTIN\Administrators`, Rights: rightsGenericAll, Type: "Allow", Inheritance: 3, Propagation: 2},
		{Identity: `CORP\no-propagate`, Rights: rightsFullControl, Type: "Allow", Inheritance: 3, Propagation: 1},
		{Identity: `CORP\containers-only`, Rights: rightsFullControl, Type: "Allow", Inheritance: 1},
		{Identity: `CORP\read`, Rights: 0x1200A9, Type: "Allow", Inheritance: 3},
		{Identity: `CORP\denied`, Rights: rightsFullControl, Type: "Allow", Inheritance: 3},
		{Identity: `CORP\DENIED`, Rights: 0x10000, Type: "Deny", Inheritance: 0},
		{Identity: `S-1-5-21-1-2-3-1104`, Rights: -1, Type: "Allow", Inheritance: 3},
		{Identity: "", Rights: rightsFullControl, Type: "Allow", Inheritance: 3},
	}
	want := []string{`BUILTIN\Administrators`, `NT AUTHORITY\SYSTEM`, `S-1-5-21-1-2-3-1104`}
	if got := fullControl(rules); !slices.Equal(got, want) {
		t.Errorf("fullControl = %q, want %q", got, want)
	}
}

func TestLogSignatures(t *testing.T) {
	wide := func(s string) string {
		var b []byte
		for i := 0; i < len(s); i++ {
			b = append(b, s[i], 0)
		}
		return string(b)
	}
	trust := "Sending package status failed: The trust relationship between this workstation and the primary domain failed(1789)."
	tests := []struct {
		name string
		log  string
		want []string
	}{
		{"clean", "<event>Package status sent</event>", nil},
		{"access denied", "Cannot create directory: 0x80070005 [Access is denied] d:", []string{sigAccessDenied}},
		{"access denied other case", "ACCESS IS DENIED", []string{sigAccessDenied}},
		{"trust", trust, []string{sigTrust}},
		{"both, UTF-16LE", wide("0x80070005 ... " + trust), []string{sigAccessDenied, sigTrust}},
		{"a tick count is not an error", "tickCount='17891789'", nil},
	}
	for _, tc := range tests {
		if got := logSignatures([]byte(tc.log)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRootAttr(t *testing.T) {
	tests := []struct {
		head, attr, want, wantErr string
	}{
		{`<?xml version="1.0"?><!-- c --><snapshot Version="7" x="1"><files>`, "version", "7", ""},
		{"\xef\xbb\xbf<snapshot version='8'/>", "Version", "8", ""},
		{`<snapshot id="1"/>`, "Version", "", "has no Version attribute"},
		{`<snapshot version="7`, "Version", "", "malformed XML"},
		{``, "Version", "", "no root element"},
		{`<!DOCTYPE s [<!ENTITY x "y">]><s version="&x;"/>`, "Version", "", "DTD refused"},
		{`not xml`, "Version", "", "no root element"},
	}
	for _, tc := range tests {
		got, err := rootAttr([]byte(tc.head), tc.attr)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: err = %v, want %q", tc.head, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %q, %v", tc.head, got, err)
		}
	}
}

func TestVersionsStatusesCodes(t *testing.T) {
	for _, v := range []string{"", strings.Repeat("1", 65), "1\n2", "é"} {
		if checkVersion(v) == nil {
			t.Errorf("version %q accepted", v)
		}
	}
	if st, err := recordedStatus([]byte(`<PackageStatus Status="download pending"/>`)); err != nil || st != vocab.DownloadPending {
		t.Errorf("status %q, %v", st, err)
	}
	if _, err := recordedStatus([]byte(`<PackageStatus Status="Exploded"/>`)); err == nil {
		t.Error("unknown status accepted")
	}
	want := map[int]vocab.LocalStatus{0: vocab.LocalUnavailable, 1: vocab.LocalReady, 2: vocab.LocalDownloading,
		3: vocab.LocalWaiting, 4: vocab.LocalWaiting, 5: vocab.LocalWaiting}
	for code := -1; code <= 6; code++ {
		got, err := localStatus(code)
		if w, ok := want[code]; ok != (err == nil) || got != w {
			t.Errorf("localStatus(%d) = %q, %v", code, got, err)
		}
	}
}
