package rights

import (
	"fmt"
	"io/fs"
	"os"
)

// Well-known SIDs.
const (
	sidSystem         = "S-1-5-18"
	sidAdministrators = "S-1-5-32-544"
	sidOwnerRights    = "S-1-3-4"
	sidCreatorOwner   = "S-1-3-0"
	sidCreatorGroup   = "S-1-3-1"
)

// ACE types and flags, as Windows numbers them.
const (
	aceAllowed         = 0
	aceDenied          = 1
	aceAllowedCallback = 9
	aceInheritOnly     = 0x8
)

// writeRights are the access rights that let an account change a file or
// what a folder holds: write or append data (add a file or a subfolder),
// delete a child, delete, change the DACL or the owner, write extended
// attributes or attributes, and the generic and maximum rights that
// include them.
const writeRights = 0x2 | 0x4 | 0x10 | 0x40 | 0x100 | 0x10000 | 0x40000 | 0x80000 |
	0x02000000 | 0x10000000 | 0x40000000

// ace is one access control entry of a DACL.
type ace struct {
	Type, Flags uint8
	Mask        uint32
	SID         string
}

// security is the owner and DACL of a file, as SID strings.
type security struct {
	Owner    string
	NullDACL bool // no DACL at all: everyone has every right
	ACEs     []ace
}

// aclRule decides on Windows security facts.
type aclRule struct {
	trusted map[string]bool // SIDs: the service account, SYSTEM, Administrators
	name    func(sid string) string
}

// decide returns the owner's account name when the facts are trusted. A
// folder must be owned by a trusted account; a file may be owned by any
// account (only trusted ones can create it in a trusted folder), and that
// owner is who made the request. Nobody else but trusted accounts (and a
// file's owner) may hold a write right.
func (r aclRule) decide(s security, dir bool) (string, error) {
	owner := r.name(s.Owner)
	if dir && !r.trusted[s.Owner] {
		return "", fmt.Errorf("%w: owned by %s, not by the service account, SYSTEM or Administrators", ErrUntrusted, owner)
	}
	if s.NullDACL {
		return "", fmt.Errorf("%w: no DACL, so every account may change it", ErrUntrusted)
	}
	for _, e := range s.ACEs {
		switch {
		case e.Type == aceDenied || e.Flags&aceInheritOnly != 0 || e.Mask&writeRights == 0:
			continue
		case e.Type != aceAllowed && e.Type != aceAllowedCallback:
			return "", fmt.Errorf("%w: an access entry of type %d that is not understood", ErrUntrusted, e.Type)
		case e.SID == sidCreatorOwner || e.SID == sidCreatorGroup:
			continue // placeholders, applied to what is created inside
		case r.trusted[e.SID], !dir && (e.SID == s.Owner || e.SID == sidOwnerRights):
			continue
		case e.SID == sidOwnerRights && r.trusted[s.Owner]:
			continue
		}
		return "", fmt.Errorf("%w: %s may change it (access mask %#x)", ErrUntrusted, r.name(e.SID), e.Mask)
	}
	return owner, nil
}

// aclSystem reads the security of an open file (Windows) and decides on
// it. read is GetSecurityInfo on Windows, a fake in tests.
type aclSystem struct {
	rule aclRule
	read func(*os.File) (security, error)
}

func (s aclSystem) check(f *os.File, _ fs.FileInfo, dir bool) (string, error) {
	sec, err := s.read(f)
	if err != nil {
		return "", fmt.Errorf("read owner and DACL: %w", err)
	}
	return s.rule.decide(sec, dir)
}
