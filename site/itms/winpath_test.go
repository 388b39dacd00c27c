package itms

import (
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

func TestCheckRoot(t *testing.T) {
	good := []string{
		`C:\ProgramData\Symantec\SMP\Snapshots`,
		`C:\ProgramData\Symantec\Symantec Agent\Package Delivery`,
		`C:\Program Files\Altiris\Altiris Agent\Client Policies`,
		`E:\Agent\Package Delivery`,
		`d:\x`,
	}
	for _, p := range good {
		if err := checkRoot(p); err != nil {
			t.Errorf("checkRoot(%q) = %v", p, err)
		}
	}
	for _, p := range attackRoots {
		if err := checkRoot(p); err == nil {
			t.Errorf("checkRoot(%q) accepted", p)
		}
	}
}

// attackRoots are configured folders that must never reach a server.
var attackRoots = []string{
	``, `C:`, `C:\`, `C:\Windows\`, `C:ProgramData`, `ProgramData\Symantec`, `\ProgramData`,
	`C:\ProgramData\..\Windows`, `C:\ProgramData\.\Symantec`, `C:\a\\b`,
	`\\?\C:\x`, `\\.\C:\x`, `\\server\share`, `\\server\share\Package Delivery`, `//server/share`,
	`C:\ProgramData\file:stream`, `C:\ProgramData\NUL`, `C:\ProgramData\COM1.txt`, `C:\ProgramData\lpt9`,
	`C:\ProgramData\Snapshots.`, `C:\ProgramData\Snapshots `, `C:\ProgramData\ Snapshots`,
	`C:\ProgramData\[ab]`, `C:\ProgramData\*`, `C:\ProgramData\a?b`, `C:\ProgramData\"x"`, `C:\ProgramData\'x'`,
	`C:\ProgramData\$(Remove-Item C:\)`, "C:\\ProgramData\\`x", `C:\ProgramData\%TEMP%`, `C:\ProgramData/Symantec`,
	"C:\\ProgramData\\a\x00b", "C:\\ProgramData\\a\nb", `C:\ProgramData\a|b`, `C:\ProgramData\<x>`,
	`C:\` + strings.Repeat("a", 200),
}

func TestCheckTaskName(t *testing.T) {
	for _, s := range []string{"NS.Package.Refresh", "NS.Package Refresh", "Custom_Refresh-2"} {
		if err := checkTaskName(s); err != nil {
			t.Errorf("checkTaskName(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", " NS", "NS*", "NS.Package.Refresh?", `\Microsoft\x`, "a'b", "$(x)", "[NS]", strings.Repeat("a", 201)} {
		if err := checkTaskName(s); err == nil {
			t.Errorf("checkTaskName(%q) accepted", s)
		}
	}
}

func TestCheckAccount(t *testing.T) {
	for _, s := range []string{`CORP\svc-itms-acc`, "svc@corp.example", "PS001$", "O'Brien"} {
		if err := checkAccount(s); err != nil {
			t.Errorf("checkAccount(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", `CORP\$(calc)`, "a`b", `a"b`, "a;b", "a\nb"} {
		if err := checkAccount(s); err == nil {
			t.Errorf("checkAccount(%q) accepted", s)
		}
	}
}

func TestFilePathsFromValidatedParts(t *testing.T) {
	g := vocab.MustGUID("BBBBBBBB-0000-0000-0000-00000000000A")
	tests := []struct{ got, want string }{
		{psSnapshotPath(`C:\PD`, g), `C:\PD\{bbbbbbbb-0000-0000-0000-00000000000a}\snapshot.xml`},
		{psStatusPath(`C:\PS`, g), `C:\PS\{bbbbbbbb-0000-0000-0000-00000000000a}\PackageStatus.xml`},
		{nsSnapshotPath(`C:\Snap`, g), `C:\Snap\{bbbbbbbb-0000-0000-0000-00000000000a}.xml`},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("path %q, want %q", tc.got, tc.want)
		}
	}
}
