//go:build windows

package localkey

import (
	"os"

	"golang.org/x/sys/windows"
)

// ownerOnly is a protected DACL (no inherited entries) that grants full
// access to SYSTEM and to the file's owner (the service account that
// created it), and to nobody else.
const ownerOnly = "D:P(A;;FA;;;SY)(A;;FA;;;OW)"

// restrict replaces f's ACL with ownerOnly.
func restrict(f *os.File) error {
	sd, err := windows.SecurityDescriptorFromString(ownerOnly)
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	return windows.SetSecurityInfo(windows.Handle(f.Fd()), windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
}
