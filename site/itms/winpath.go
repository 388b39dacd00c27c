package itms

import (
	"fmt"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// checkRoot validates a configured folder (see vocab.CheckWindowsFolder):
// the policy checks it too, so an admin sees the problem at file:line:col.
func checkRoot(p string) error { return vocab.CheckWindowsFolder(p) }

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
func psPackageFolder(delivery string, g vocab.GUID) string {
	return delivery + `\` + g.Braced()
}

func psSnapshotPath(delivery string, g vocab.GUID) string {
	return psPackageFolder(delivery, g) + `\snapshot.xml`
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
