package itms

import (
	"errors"
	"fmt"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
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

// checkRoot validates a configured folder on a remote Windows machine: an
// absolute drive path such as C:\ProgramData\Symantec\SMP\Snapshots, with
// at least one folder below the drive, no trailing backslash, no `..`, no
// \\?\ or \\.\ prefix, no UNC share, no colon after the drive letter (no
// alternate data streams), no component ending in a dot or a space, no
// wildcard or quoting characters, no device names, and nothing in or
// below the Windows folder of any drive. The driver builds
// every file path it touches from such a folder and a validated GUID.
func checkRoot(p string) error {
	switch {
	case strings.HasPrefix(p, `\\?\`), strings.HasPrefix(p, `\\.\`), strings.HasPrefix(p, `//`):
		return fmt.Errorf("%q: device and extended-length paths are refused", vocab.Clip(p))
	case strings.HasPrefix(p, `\\`):
		return fmt.Errorf("%q: UNC paths are refused; give the folder as a local drive path on the server", vocab.Clip(p))
	case len(p) > maxRootLen:
		return fmt.Errorf("%q: longer than %d characters", vocab.Clip(p), maxRootLen)
	case len(p) < 4 || !isDriveLetter(p[0]) || p[1] != ':' || p[2] != '\\':
		return fmt.Errorf("%q: not an absolute drive path below a drive root (like C:\\ProgramData\\...)", vocab.Clip(p))
	}
	for _, c := range p[3:] {
		switch {
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("%q: control character", vocab.Clip(p))
		case c == ':':
			return fmt.Errorf("%q: colon after the drive letter (alternate data stream)", vocab.Clip(p))
		case strings.ContainsRune(refusedPathChars, c):
			return fmt.Errorf("%q: character %q is refused in configured folders", vocab.Clip(p), c)
		}
	}
	if first, _, _ := strings.Cut(p[3:], `\`); strings.EqualFold(first, "Windows") {
		return fmt.Errorf("%q: the Windows folder is never an ITMS folder", vocab.Clip(p))
	}
	for _, comp := range strings.Split(p[3:], `\`) {
		if err := checkComponent(comp); err != nil {
			return fmt.Errorf("%q: %w", vocab.Clip(p), err)
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
	case vocab.IsDeviceName(c):
		return fmt.Errorf("component %q is a Windows device name", c)
	}
	return nil
}

func isDriveLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// checkHost validates a server name from the CMDB or the policy: it must
// pass vocab.ParseHost unchanged.
func checkHost(h vocab.Host) error {
	p, err := vocab.ParseHost(string(h))
	if err != nil {
		return err
	}
	if p != h {
		return fmt.Errorf("host name %q is not canonical", vocab.Clip(string(h)))
	}
	return nil
}

// checkPackage validates a package id: a canonical GUID (lower case, no
// braces), the only form the driver ever puts into a path.
func checkPackage(g vocab.GUID) error {
	if !g.Valid() {
		return fmt.Errorf("package id %q is not a canonical GUID", vocab.Clip(string(g)))
	}
	return nil
}

// The files the driver may touch, each built from a validated folder and
// a validated GUID only (KB 179719's layout).
func psSnapshotPath(delivery string, g vocab.GUID) string {
	return delivery + `\` + g.Braced() + `\snapshot.xml`
}

func psStatusPath(statusRoot string, g vocab.GUID) string {
	return statusRoot + `\` + g.Braced() + `\PackageStatus.xml`
}

func nsSnapshotPath(snapshots string, g vocab.GUID) string {
	return snapshots + `\` + g.Braced() + `.xml`
}

// agentLogName is the agent's log file in the configured logs folder.
const agentLogName = "agent.log"

// checkTaskName validates the NS refresh task's name: letters, digits,
// spaces, dots, hyphens and underscores (KB 179719 writes
// "NS.Package.Refresh", another KB "NS.Package Refresh"). No wildcard, so
// Get-ScheduledTask matches it exactly.
func checkTaskName(s string) error {
	if s == "" || len(s) > 200 || strings.TrimSpace(s) != s {
		return fmt.Errorf("task name %q: empty, too long or padded with spaces", vocab.Clip(s))
	}
	for _, c := range s {
		ok := c == ' ' || c == '.' || c == '-' || c == '_' ||
			'0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !ok {
			return fmt.Errorf("task name %q: character %q is not allowed", vocab.Clip(s), c)
		}
	}
	return nil
}

// checkAccount validates an account name sent to a server (grant_acl,
// set_credential_mode): vocab.ValidAccount, and no backtick or "$(" even
// though the value travels as data.
func checkAccount(a string) error {
	if err := vocab.ValidAccount(a); err != nil {
		return err
	}
	if strings.Contains(a, "`") || strings.Contains(a, "$(") {
		return fmt.Errorf("account name %q: PowerShell syntax refused", vocab.Clip(a))
	}
	return nil
}
