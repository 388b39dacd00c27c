package vocab

import (
	"fmt"
	"strings"
)

// Host is a package server or NS host name that is safe to use as a folder
// name and as a WinRM target: RFC 1123 labels (letters, digits, hyphens; no
// leading or trailing hyphen), separated by dots, at most 253 characters.
// Windows device names (CON, NUL, COM1, ...) are refused as the first label.
type Host string

// ParseHost validates an untrusted host name. Case is kept as given, since
// admins see names as the CMDB spells them; compare with EqualFold.
func ParseHost(s string) (Host, error) {
	if s == "" || len(s) > 253 {
		return "", fmt.Errorf("not a host name: %q", Clip(s))
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if !validLabel(l) {
			return "", fmt.Errorf("not a host name: %q", Clip(s))
		}
	}
	if IsDeviceName(labels[0]) {
		return "", fmt.Errorf("host name is a Windows device name: %q", Clip(s))
	}
	return Host(s), nil
}

func validLabel(l string) bool {
	if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		ok := c == '-' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// IsDeviceName reports whether name (without extension) is a reserved
// Windows device name such as NUL or COM1.
func IsDeviceName(name string) bool {
	base := strings.ToUpper(name)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	base = strings.TrimRight(base, " ")
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		return base[3] >= '0' && base[3] <= '9'
	}
	return false
}
