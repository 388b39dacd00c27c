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
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// What the driver reads in the agent's and the NS's files. None of these
// shapes is documented by Broadcom; each is a constant here and an entry
// of the "what was verified how" table in docs/itms.md.
const (
	// credXPath finds the applied Package Service credential in a client
	// policy file (itms-facts: node PkgAccessCredentials).
	credXPath = "//*[local-name()='PkgAccessCredentials']"
	// credUserAttr is the attribute holding the user name; when the node
	// has no such attribute, a child element of that name is read. The
	// password beside it is never read.
	credUserAttr       = "UserName"
	credUserChildXPath = "*[local-name()='UserName']"
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
)

// modeUnknown labels an applied account whose mode cannot be told: the
// client policy names an account, not a mode, and the NS is anonymous.
const modeUnknown vocab.Mode = "unknown"

// policyFile is one client policy file as observe_agent reports it.
type policyFile struct {
	Name           string `json:"name"`
	Written        string `json:"written"`
	HasCredentials bool   `json:"has_credentials"`
	User           string `json:"user"`
	Refused        string `json:"refused"`
}

// appliedUser returns the credential user name of the newest client
// policy file that has one ("" when none does: anonymous), and the
// received policy version: the newest policy file's last write time, in
// Unix seconds (see docs/itms.md, "policy version").
func appliedUser(files []policyFile) (string, int64, error) {
	var newest, credTime time.Time
	user := ""
	for _, f := range files {
		if f.Refused != "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, f.Written)
		if err != nil {
			return "", 0, fmt.Errorf("client policy %q: last write time %q", vocab.Clip(f.Name), vocab.Clip(f.Written))
		}
		if t.After(newest) {
			newest = t
		}
		if f.HasCredentials && !t.Before(credTime) {
			credTime, user = t, strings.TrimSpace(f.User)
		}
	}
	if newest.IsZero() {
		return "", 0, errors.New("no readable client policy file: the agent has no policy yet, or agent client_policies is wrong")
	}
	return user, newest.Unix(), nil
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
	rightsGenericAll   = 0x10000000
	inheritContainer   = 1
	inheritObject      = 2
	propagateNoInherit = 1
)

// fullControl returns the principals that hold Full Control on the folder
// and on everything below it: an Allow rule with all FullControl bits (or
// GENERIC_ALL), inherited by subfolders and files at every depth. A
// principal with any Deny rule is left out. Sorted, once each.
func fullControl(rules []aclRule) []string {
	denied := map[string]bool{}
	for _, r := range rules {
		if strings.EqualFold(r.Type, "Deny") {
			denied[strings.ToLower(r.Identity)] = true
		}
	}
	var out []string
	for _, r := range rules {
		full := uint32(r.Rights)&rightsFullControl == rightsFullControl || uint32(r.Rights)&rightsGenericAll != 0
		inherited := r.Inheritance&(inheritContainer|inheritObject) == inheritContainer|inheritObject &&
			r.Propagation&propagateNoInherit == 0
		if strings.EqualFold(r.Type, "Allow") && full && inherited && r.Identity != "" && !denied[strings.ToLower(r.Identity)] {
			out = append(out, r.Identity)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return slices.CompactFunc(out, strings.EqualFold)
}

// logSignatures scans the tail of agent.log, in UTF-8/ANSI or UTF-16LE,
// for the KB's error signatures.
func logSignatures(tail []byte) []string {
	var out []string
	if containsFold(tail, "0x80070005") || containsFold(tail, "access is denied") {
		out = append(out, sigAccessDenied)
	}
	if containsFold(tail, "trust relationship") {
		out = append(out, sigTrust)
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
	case vocab.Ready, vocab.Pending, vocab.Invalid, vocab.DownloadPending, vocab.RetryingDownload:
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
