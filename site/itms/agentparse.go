package itms

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// What the driver reads in the agent's and the NS's files. None of these
// shapes is documented by Broadcom; each is a constant here and a row of
// the facts table in docs/itms.md.
const (
	// snapshotVersionAttr is the root element's attribute of snapshot.xml
	// (PS) and {guid}.xml (NS) compared with SWDPackage.[Package Version].
	snapshotVersionAttr = "Version"
	// statusAttr is PackageStatus.xml's root attribute recording the status.
	statusAttr = "Status"
	// headBytes is how much of each snapshot or status file is read: the
	// root element's start tag must fit in it.
	headBytes = 4096
	// logTailBytes is how much of the end of agent.log is scanned.
	logTailBytes = 256 << 10
)

// Error signatures of KB 179719 reported in AgentFacts.LogSignatures,
// spelled as the KB (and the simulated site) spell them.
const (
	sigAccessDenied = "0x80070005 [Access is denied]"
	sigTrust        = "trust relationship between this workstation and the primary domain failed(1789)"
	// The Agent Connectivity Credential's logon refused (KB 194234), as
	// Windows words ERROR_ACCOUNT_LOCKED_OUT and ERROR_ACCOUNT_EXPIRED.
	sigLocked  = "The referenced account is currently locked out and may not be logged on to(1909)"
	sigExpired = "The user's account has expired(1793)"
)

// The log lines KB 179719 shows (lower case): CreateDirectoryPath's
// "Cannot create directory: 0x80070005", EventTransport's "Error while
// copying event to capture directory: Access is denied", and the 1789
// trust error. Other access-denied lines are not the KB's signs.
var (
	logDeniedNeedles = []string{"cannot create directory: 0x80070005", "copying event to capture directory: access is denied"}
	logTrustNeedle   = "trust relationship between this workstation and the primary domain failed"
	// Windows' texts of errors 1909 and 1793 (lower case), wherever the
	// agent logs the refused logon of its credential (a guess:
	// docs/itms.md).
	logLockedNeedle  = "account is currently locked out"
	logExpiredNeedle = "account has expired"
)

// bareSIDs are the principals KB 179719 finds alone on the folders of a
// package server that did not apply the credential: SYSTEM and the local
// Administrators group; CREATOR OWNER grants its rights to no account by
// itself and is ignored (a guess: docs/itms.md).
var bareSIDs = map[string]bool{"S-1-5-18": true, "S-1-5-32-544": true, "S-1-3-0": true}

// bareFolder reports whether a Package Delivery\{GUID} folder grants
// access to nobody but SYSTEM and Administrators.
func bareFolder(sids []string) bool {
	for _, s := range sids {
		if !bareSIDs[strings.ToUpper(strings.TrimSpace(s))] {
			return false
		}
	}
	return true
}

// trustError reports whether a status file's head records the 1789 trust
// error (a guess: KB 179719 names the status NSE and SWDPackageServer).
func trustError(head []byte) bool {
	return containsFold(head, logTrustNeedle) || containsFold(head, "(1789)")
}

// aclRule is one access rule of Package Delivery.
type aclRule struct {
	Identity    string `json:"identity"`
	Rights      int64  `json:"rights"`
	Type        string `json:"type"`
	Inheritance int    `json:"inheritance"`
	Propagation int    `json:"propagation"`
}

// File system rights and inheritance flags (System.Security.AccessControl).
const (
	rightsFullControl  = 0x1F01FF
	rightsReadExecute  = 0x1200A9
	rightsGenericAll   = 0x10000000
	inheritContainer   = 1
	inheritObject      = 2
	propagateNoInherit = 1
)

// requiredRights is the file-system rights mask grant_acl gives and the
// ACL check requires: Full Control (KB 179719) or Read & Execute (KB
// 194234), as the policy's agent grant_rights says.
func (s *Site) requiredRights() uint32 {
	if s.cfg.Agent.GrantRights == grantReadExecute {
		return rightsReadExecute
	}
	return rightsFullControl
}

// fullControl returns the principals that hold the required rights on the
// folder and on everything below it: an Allow rule with all the required
// bits (or GENERIC_ALL), inherited by subfolders and files at every depth.
// A principal with any Deny rule is left out. Sorted, once each.
func fullControl(rules []aclRule, required uint32) []string {
	denied := map[string]bool{}
	for _, r := range rules {
		if strings.EqualFold(r.Type, "Deny") {
			denied[strings.ToLower(r.Identity)] = true
		}
	}
	var out []string
	for _, r := range rules {
		full := uint32(r.Rights)&required == required || uint32(r.Rights)&rightsGenericAll != 0
		inherited := r.Inheritance&(inheritContainer|inheritObject) == inheritContainer|inheritObject &&
			r.Propagation&propagateNoInherit == 0
		if strings.EqualFold(r.Type, "Allow") && full && inherited && r.Identity != "" && !denied[strings.ToLower(r.Identity)] {
			out = append(out, r.Identity)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return slices.CompactFunc(out, strings.EqualFold)
}

// fullControlEverywhere returns the principals holding the required rights
// on every Package Delivery folder found: packages may sit on any of them.
func fullControlEverywhere(acls [][]aclRule, required uint32) []string {
	var out []string
	for i, rules := range acls {
		fc := fullControl(rules, required)
		if i == 0 {
			out = fc
			continue
		}
		out = slices.DeleteFunc(out, func(p string) bool {
			return !slices.ContainsFunc(fc, func(q string) bool { return strings.EqualFold(p, q) })
		})
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// logSignatures scans the tail of agent.log, in UTF-8/ANSI or UTF-16LE,
// for the KB's error signatures.
func logSignatures(tail []byte) []string {
	var out []string
	for _, n := range logDeniedNeedles {
		if containsFold(tail, n) {
			out = append(out, sigAccessDenied)
			break
		}
	}
	if containsFold(tail, logTrustNeedle) {
		out = append(out, sigTrust)
	}
	if containsFold(tail, logLockedNeedle) {
		out = append(out, sigLocked)
	}
	if containsFold(tail, logExpiredNeedle) {
		out = append(out, sigExpired)
	}
	return out
}

// containsFold reports whether data holds the lower-case ASCII needle,
// ignoring ASCII case, as single bytes or as UTF-16LE code units.
func containsFold(data []byte, needle string) bool {
	low := asciiLower(data)
	if bytes.Contains(low, []byte(needle)) {
		return true
	}
	wide := make([]byte, 0, 2*len(needle))
	for i := 0; i < len(needle); i++ {
		wide = append(wide, needle[i], 0)
	}
	return bytes.Contains(low, wide)
}

func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// fileRead is one file read by a script: base64 data, null when absent,
// or why it was not read.
type fileRead struct {
	Data    *string `json:"data"`
	Refused string  `json:"refused"`
}

// content decodes the file's content; present is false for an absent file.
func (f fileRead) content() (data []byte, present bool, err error) {
	if f.Refused != "" {
		return nil, false, fmt.Errorf("not read: %s", vocab.Clip(f.Refused))
	}
	if f.Data == nil {
		return nil, false, nil
	}
	b, err := base64.StdEncoding.DecodeString(*f.Data)
	if err != nil {
		return nil, false, errors.New("content is not base64")
	}
	return b, true, nil
}

// rootAttr returns the attribute name (matched ignoring case) of the
// root element at the head of an XML file. The head may be cut anywhere
// after the root's start tag. DTDs are refused; nothing is resolved.
func rootAttr(head []byte, name string) (string, error) {
	dec := xml.NewDecoder(bytes.NewReader(head))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return "", errors.New("no root element")
		}
		if err != nil {
			return "", fmt.Errorf("malformed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return "", errors.New("DTD refused")
		case xml.StartElement:
			for _, a := range t.Attr {
				if strings.EqualFold(a.Name.Local, name) {
					return a.Value, nil
				}
			}
			return "", fmt.Errorf("root element <%s> has no %s attribute", vocab.Clip(t.Name.Local), name)
		}
	}
}

// checkVersion accepts a version as SWDPackage could hold it: printable
// ASCII, at most 64 characters, not empty.
func checkVersion(v string) error {
	if v == "" || len(v) > 64 {
		return fmt.Errorf("version %q: empty or longer than 64 characters", vocab.Clip(v))
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return fmt.Errorf("version %q: not printable ASCII", vocab.Clip(v))
		}
	}
	return nil
}

// snapshotVersion reads the version of a snapshot file's head.
func snapshotVersion(head []byte) (string, error) {
	v, err := rootAttr(head, snapshotVersionAttr)
	if err == nil {
		err = checkVersion(v)
	}
	return v, err
}

// recordedStatus reads the status of a PackageStatus.xml head.
func recordedStatus(head []byte) (vocab.Status, error) {
	v, err := rootAttr(head, statusAttr)
	if err != nil {
		return "", err
	}
	st := vocab.NormalizeStatus(v)
	switch st {
	case vocab.Ready, vocab.Pending, vocab.Invalid, vocab.DownloadPending, vocab.RetryingDownload, vocab.Deleted:
		return st, nil
	}
	return "", fmt.Errorf("unknown status %q", vocab.Clip(v))
}

// localStatus maps the agent's package status codes (itms-facts: 0
// unavailable, 1 ready, 2 downloading, 3 waiting to download, 4 waiting to
// retry, 5 not yet downloaded). An unknown code is an error, never a guess.
func localStatus(code int) (vocab.LocalStatus, error) {
	switch code {
	case 0:
		return vocab.LocalUnavailable, nil
	case 1:
		return vocab.LocalReady, nil
	case 2:
		return vocab.LocalDownloading, nil
	case 3, 4, 5:
		return vocab.LocalWaiting, nil
	}
	return "", fmt.Errorf("unknown agent package status code %d", code)
}
