package itms

import (
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

func TestBareFolderAndTrustError(t *testing.T) {
	for _, tc := range []struct {
		sids []string
		bare bool
	}{
		{nil, true},
		{[]string{"S-1-5-18", "s-1-5-32-544"}, true},
		{[]string{"S-1-5-18", "S-1-3-0"}, true},
		{[]string{"S-1-5-18", "S-1-5-21-1-2-3-1104"}, false},
		{[]string{"S-1-1-0"}, false},
	} {
		if got := bareFolder(tc.sids); got != tc.bare {
			t.Errorf("bareFolder(%q) = %t", tc.sids, got)
		}
	}
	for head, want := range map[string]bool{
		`<PackageStatus Status="Invalid" Error="The trust relationship between this workstation and the primary domain failed(1789)."/>`: true,
		`<PackageStatus Status="Invalid" Error="failed (1789)"/>`:                                                                        true,
		`<PackageStatus Status="Invalid" Tick="17891789"/>`:                                                                              false,
	} {
		if got := trustError([]byte(head)); got != want {
			t.Errorf("trustError(%q) = %t", head, got)
		}
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
	if got := fullControl(rules, rightsFullControl); !slices.Equal(got, want) {
		t.Errorf("fullControl = %q, want %q", got, want)
	}
	// grant_rights = "read_execute": Read & Execute suffices.
	want = []string{`BUILTIN\Administrators`, `CORP\read`, `NT AUTHORITY\SYSTEM`, `S-1-5-21-1-2-3-1104`}
	if got := fullControl(rules, rightsReadExecute); !slices.Equal(got, want) {
		t.Errorf("fullControl(read & execute) = %q, want %q", got, want)
	}
	// Several Package Delivery folders: a principal must hold the rights on each.
	other := []aclRule{{Identity: `nt authority\system`, Rights: rightsFullControl, Type: "Allow", Inheritance: 3}}
	if got := fullControlEverywhere([][]aclRule{rules, other}, rightsFullControl); !slices.Equal(got, []string{`NT AUTHORITY\SYSTEM`}) {
		t.Errorf("fullControlEverywhere = %q", got)
	}
	if got := fullControlEverywhere(nil, rightsFullControl); got == nil || len(got) != 0 {
		t.Errorf("no folder: %q, want an empty list", got)
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
		{"CreateDirectoryPath", "Cannot create directory: 0x80070005 [Access is denied] d:", []string{sigAccessDenied}},
		{"EventTransport", "Error while copying event to capture directory: Access is denied (-2147024891)", []string{sigAccessDenied}},
		{"other case", "CANNOT CREATE DIRECTORY: 0X80070005", []string{sigAccessDenied}},
		{"another access denied is not the KB's", "Failed to open key: Access is denied (0x80070005)", nil},
		{"trust", trust, []string{sigTrust}},
		{"both, UTF-16LE", wide("Cannot create directory: 0x80070005 ... " + trust), []string{sigAccessDenied, sigTrust}},
		{"a tick count is not an error", "tickCount='17891789'", nil},
		{"ACC locked out (KB 194234)", "Logon failed: The referenced account is currently locked out and may not be logged on to.", []string{sigLocked}},
		{"ACC expired, UTF-16LE", wide("LogonUser: The user's account has expired."), []string{sigExpired}},
		{"trust and lockout", trust + " The referenced account is currently locked out", []string{sigTrust, sigLocked}},
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
	if st, err := recordedStatus([]byte(`<PackageStatus Status="Deleted" Time="2021-09-21T13:23:58"/>`)); err != nil || st != vocab.Deleted {
		t.Errorf("status %q, %v: KBs 178503 and 181052 record Deleted", st, err)
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
