package rights

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPOSIXRule: the owner must be the service account or root, and
// neither group nor others may write; a file has one link.
func TestPOSIXRule(t *testing.T) {
	r := posixRule{self: 990, name: func(uid uint32) string {
		return map[uint32]string{0: "root", 990: "reconciler", 1001: "mallory"}[uid]
	}}
	tests := []struct {
		name  string
		facts posixFacts
		dir   bool
		owner string // "" refused
		why   string
	}{
		{"service account folder 0700", posixFacts{uid: 990, mode: fs.ModeDir | 0o700, nlink: 2}, true, "reconciler", ""},
		{"root folder 0755", posixFacts{uid: 0, mode: fs.ModeDir | 0o755, nlink: 2}, true, "root", ""},
		{"folder of another user", posixFacts{uid: 1001, mode: fs.ModeDir | 0o700}, true, "", "owned by mallory, not by the service account (reconciler) or root"},
		{"group-writable folder", posixFacts{uid: 990, gid: 50, mode: fs.ModeDir | 0o770}, true, "", "writable by its group (gid 50, mode 0770)"},
		{"world-writable sticky folder", posixFacts{uid: 990, mode: fs.ModeDir | fs.ModeSticky | 0o777}, true, "", "writable by every user"},
		{"service account file 0600", posixFacts{uid: 990, mode: 0o600, nlink: 1}, false, "reconciler", ""},
		{"root file 0644", posixFacts{uid: 0, mode: 0o644, nlink: 1}, false, "root", ""},
		{"file of another user", posixFacts{uid: 1001, mode: 0o600, nlink: 1}, false, "", "owned by mallory"},
		{"world-writable file", posixFacts{uid: 990, mode: 0o666, nlink: 1}, false, "", "writable by every user"},
		{"group-writable file", posixFacts{uid: 990, mode: 0o620, nlink: 1}, false, "", "writable by its group"},
		{"hard-linked file", posixFacts{uid: 990, mode: 0o600, nlink: 2}, false, "", "2 hard links"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			owner, err := r.decide(tt.facts, tt.dir)
			checkDecision(t, owner, err, tt.owner, tt.why)
		})
	}
}

func checkDecision(t *testing.T, owner string, err error, wantOwner, why string) {
	t.Helper()
	if wantOwner != "" {
		if err != nil || owner != wantOwner {
			t.Fatalf("got (%q, %v), want owner %q", owner, err, wantOwner)
		}
		return
	}
	if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), why) {
		t.Fatalf("got (%q, %v), want refused: %s", owner, err, why)
	}
}

// Accounts of the Windows fakes.
const (
	sidService = "S-1-5-80-1111"
	sidAlice   = "S-1-5-21-1-2-3-1105"
	sidUsers   = "S-1-5-32-545"
	sidWorld   = "S-1-1-0"
)

func fakeNames(sid string) string {
	return map[string]string{sidService: `NT SERVICE\reconciler`, sidAlice: `CORP\alice`, sidUsers: `BUILTIN\Users`,
		sidWorld: "Everyone", sidSystem: `NT AUTHORITY\SYSTEM`, sidAdministrators: `BUILTIN\Administrators`}[sid]
}

var winRule = aclRule{trusted: map[string]bool{sidService: true, sidSystem: true, sidAdministrators: true}, name: fakeNames}

// protected is the DACL the install sets: SYSTEM, Administrators and the
// service full control, nothing inherited.
var protected = []ace{{Mask: 0x1f01ff, SID: sidSystem}, {Mask: 0x1f01ff, SID: sidAdministrators}, {Mask: 0x1f01ff, SID: sidService}}

// TestWindowsRule: folder owned by a trusted account; no write right for
// Everyone, Users or anyone untrusted; a file's owner is its author.
func TestWindowsRule(t *testing.T) {
	with := func(extra ...ace) []ace { return append(append([]ace{}, protected...), extra...) }
	tests := []struct {
		name  string
		sec   security
		dir   bool
		owner string
		why   string
	}{
		{"protected folder", security{Owner: sidAdministrators, ACEs: protected}, true, `BUILTIN\Administrators`, ""},
		{"folder owned by a user", security{Owner: sidAlice, ACEs: protected}, true, "", `owned by CORP\alice`},
		{"ProgramData default: Users may add files", security{Owner: sidAdministrators, ACEs: with(ace{Mask: 0x6, SID: sidUsers})}, true, "", `BUILTIN\Users may change it`},
		{"Everyone full control", security{Owner: sidService, ACEs: with(ace{Mask: 0x10000000, SID: sidWorld})}, true, "", "Everyone may change it"},
		{"null DACL", security{Owner: sidService, NullDACL: true}, true, "", "no DACL"},
		{"Users read only", security{Owner: sidService, ACEs: with(ace{Mask: 0x1200a9, SID: sidUsers})}, true, "NT SERVICE\\reconciler", ""},
		{"denied write for Everyone", security{Owner: sidService, ACEs: with(ace{Type: aceDenied, Mask: 0x6, SID: sidWorld})}, true, "NT SERVICE\\reconciler", ""},
		{"inherit-only CREATOR OWNER", security{Owner: sidService, ACEs: with(ace{Flags: aceInheritOnly | 0x3, Mask: 0x10000000, SID: sidCreatorOwner})}, true, "NT SERVICE\\reconciler", ""},
		{"inherit-only write for Users", security{Owner: sidService, ACEs: with(ace{Flags: aceInheritOnly, Mask: 0x6, SID: sidUsers})}, true, "NT SERVICE\\reconciler", ""},
		{"object ACE", security{Owner: sidService, ACEs: with(ace{Type: 5, Mask: 0x2})}, true, "", "type 5"},
		{"file by an admin", security{Owner: sidAlice, ACEs: with(ace{Mask: 0x1f01ff, SID: sidAlice})}, false, `CORP\alice`, ""},
		{"file writable by Users", security{Owner: sidAlice, ACEs: with(ace{Mask: 0x2, SID: sidUsers})}, false, "", `BUILTIN\Users may change it`},
		{"file with OWNER RIGHTS", security{Owner: sidAlice, ACEs: with(ace{Mask: 0x1f01ff, SID: sidOwnerRights})}, false, `CORP\alice`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			owner, err := winRule.decide(tt.sec, tt.dir)
			checkDecision(t, owner, err, tt.owner, tt.why)
		})
	}
}

// TestCheckerWithWindowsFakes runs the Checker's path checks (links,
// types, the file swapped after the check) with the Windows rule and a
// fake security reader behind the system interface.
func TestCheckerWithWindowsFakes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "req.json")
	if err := os.WriteFile(file, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	secs := map[string]security{dir: {Owner: sidService, ACEs: protected}, file: {Owner: sidAlice, ACEs: protected}}
	c := &Checker{sys: aclSystem{rule: winRule, read: func(f *os.File) (security, error) { return secs[f.Name()], nil }}}
	if err := c.Folder(dir); err != nil {
		t.Fatalf("Folder: %v", err)
	}
	f, owner, err := c.Open(file)
	if err != nil || owner != `CORP\alice` {
		t.Fatalf("Open: %q %v", owner, err)
	}
	f.Close()
	secs[file] = security{Owner: sidAlice, ACEs: append([]ace{{Mask: 0x2, SID: sidWorld}}, protected...)}
	if _, _, err := c.Open(file); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "Everyone may change it") {
		t.Fatalf("Open of a world-writable file: %v", err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		dir  bool
		why  string
	}{{link, false, "symbolic link"}, {dir, false, "not a regular file"}, {file, true, "not a folder"}} {
		if _, _, err := c.open(tc.path, tc.dir); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s: %v, want %s", tc.path, err, tc.why)
		}
	}
}
