package observed

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/itms-tools/reconciler/vocab"
)

// Bounds on the text of a CMDB row. A pair carries its values into plans,
// log lines and journal records; these bounds keep every record of any
// action far below the journal's record limit (audit.MaxRecordSize, 1 MiB:
// an action's record holds a handful of reasons, each with at most three
// package names, its versions and its status counts). Package and server
// ids are GUIDs and server names host names (at most 253 bytes) already.
const (
	maxPackageNameLen = 1024 // bytes of UTF-8; names are clipped to vocab.Clip's 80 in pairs
	maxStatusLen      = 64   // "Retrying Download" is 17
	maxVersionLen     = 64   // as site/itms checks the versions of snapshot files
)

// checkStatus normalises a row's status, or says why it is refused: empty,
// longer than maxStatusLen, or not printable text.
func checkStatus(raw string) (vocab.Status, string) {
	if len(raw) > maxStatusLen {
		return "", fmt.Sprintf("status: %d bytes, more than %d", len(raw), maxStatusLen)
	}
	if !printable(raw) {
		return "", "status: not printable text"
	}
	status := vocab.NormalizeStatus(raw)
	if status == "" {
		return "", reasonEmptyStatus
	}
	return status, ""
}

// checkPackageName refuses a package name that is not UTF-8 or longer
// than maxPackageNameLen (a name is clipped for display, but a value that
// size is not a name).
func checkPackageName(name string) string {
	switch {
	case len(name) > maxPackageNameLen:
		return fmt.Sprintf("package name: %d bytes, more than %d", len(name), maxPackageNameLen)
	case !utf8.ValidString(name):
		return "package name: not valid UTF-8"
	}
	return ""
}

// checkVersion refuses a version longer than maxVersionLen or holding
// anything but printable ASCII; an empty version (a NULL column) is kept.
func checkVersion(field, v string) string {
	if len(v) > maxVersionLen {
		return fmt.Sprintf("%s: %d bytes, more than %d", field, len(v), maxVersionLen)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return field + ": not printable ASCII"
		}
	}
	return ""
}

// printable reports whether s is valid UTF-8 of printable runes (spaces
// included, tabs and control characters not).
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return printableRunes(s)
		}
	}
	return true
}

func printableRunes(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
