//go:build windows

package rights

import (
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

func newSystem() system {
	trusted := map[string]bool{sidSystem: true, sidAdministrators: true}
	if u, err := windows.GetCurrentProcessToken().GetTokenUser(); err == nil {
		trusted[u.User.Sid.String()] = true
	}
	return aclSystem{rule: aclRule{trusted: trusted, name: lookupSID}, read: readSecurity}
}

// readSecurity reads the owner and DACL of the open file f.
func readSecurity(f *os.File) (security, error) {
	sd, err := windows.GetSecurityInfo(windows.Handle(f.Fd()), windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return security{}, err
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return security{}, err
	}
	s := security{Owner: owner.String()}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		s.NullDACL = true
		return s, nil
	}
	for i := range uint32(dacl.AceCount) {
		var e *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &e); err != nil {
			return security{}, err
		}
		a := ace{Type: e.Header.AceType, Flags: e.Header.AceFlags, Mask: uint32(e.Mask)}
		if a.Type == aceAllowed || a.Type == aceDenied || a.Type == aceAllowedCallback {
			a.SID = (*windows.SID)(unsafe.Pointer(&e.SidStart)).String()
		}
		s.ACEs = append(s.ACEs, a)
	}
	return s, nil
}

// lookupSID names a SID as DOMAIN\account, or returns the SID itself.
func lookupSID(s string) string {
	sid, err := windows.StringToSid(s)
	if err != nil {
		return s
	}
	account, domain, _, err := sid.LookupAccount("")
	switch {
	case err != nil:
		return s
	case domain == "":
		return account
	}
	return domain + `\` + account
}

// SameAccount is nil on Windows: who may write requests is decided by the
// inbox folder's DACL, which the daemon checks.
func SameAccount(string) error { return nil }
