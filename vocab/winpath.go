package vocab

import (
	"errors"
	"fmt"
	"strings"
)

// maxRootLen bounds a configured folder so that the longest file the
// driver builds under it (`\{guid}\PackageStatus.xml`, 57 characters) stays
// under MAX_PATH (260).
const maxRootLen = 200

// refusedPathChars are characters no ITMS folder needs: Windows forbids
// some (<>"|), others are wildcards (*?[]) that PowerShell expands outside
// -LiteralPath, and the rest ($ ` ' %) are the ingredients of PowerShell
// and cmd.exe injection. Values reach the remote side as JSON data, never
// as code, so this is defence in depth.
const refusedPathChars = `<>"|*?[]$` + "`" + `'%/`

// CheckWindowsFolder validates a configured folder on a remote Windows machine: an
// absolute drive path such as C:\ProgramData\Symantec\SMP\Snapshots, with
// at least one folder below the drive, no trailing backslash, no `..`, no
// \\?\ or \\.\ prefix, no UNC share, no colon after the drive letter (no
// alternate data streams), no component ending in a dot or a space, no
// wildcard or quoting characters, no device names, and nothing in or
// below the Windows folder of any drive. The driver builds
// every file path it touches from such a folder and a validated GUID.
func CheckWindowsFolder(p string) error {
	switch {
	case strings.HasPrefix(p, `\\?\`), strings.HasPrefix(p, `\\.\`), strings.HasPrefix(p, `//`):
		return fmt.Errorf("%q: device and extended-length paths are refused", Clip(p))
	case strings.HasPrefix(p, `\\`):
		return fmt.Errorf("%q: UNC paths are refused; give the folder as a local drive path on the server", Clip(p))
	case len(p) > maxRootLen:
		return fmt.Errorf("%q: longer than %d characters", Clip(p), maxRootLen)
	case len(p) < 4 || !isDriveLetter(p[0]) || p[1] != ':' || p[2] != '\\':
		return fmt.Errorf("%q: not an absolute drive path below a drive root (like C:\\ProgramData\\...)", Clip(p))
	}
	for _, c := range p[3:] {
		switch {
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("%q: control character", Clip(p))
		case c == ':':
			return fmt.Errorf("%q: colon after the drive letter (alternate data stream)", Clip(p))
		case strings.ContainsRune(refusedPathChars, c):
			return fmt.Errorf("%q: character %q is refused in configured folders", Clip(p), c)
		}
	}
	if first, _, _ := strings.Cut(p[3:], `\`); strings.EqualFold(first, "Windows") {
		return fmt.Errorf("%q: the Windows folder is never an ITMS folder", Clip(p))
	}
	for _, comp := range strings.Split(p[3:], `\`) {
		if err := checkComponent(comp); err != nil {
			return fmt.Errorf("%q: %w", Clip(p), err)
		}
	}
	return nil
}

func checkComponent(c string) error {
	switch {
	case c == "":
		return errors.New("empty path component (doubled or trailing backslash)")
	case c == "." || c == "..":
		return fmt.Errorf("relative component %q", c)
	case strings.HasSuffix(c, ".") || strings.HasSuffix(c, " "):
		return fmt.Errorf("component %q ends in a dot or a space, which Windows strips", c)
	case strings.HasPrefix(c, " "):
		return fmt.Errorf("component %q starts with a space", c)
	case IsDeviceName(c):
		return fmt.Errorf("component %q is a Windows device name", c)
	}
	return nil
}

func isDriveLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
