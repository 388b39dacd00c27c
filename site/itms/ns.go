package itms

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// errNoCredentialCommand is returned for a change of the NS setting
// when the policy names no credential command: ITMS documents no single
// call for it, and the driver does not guess one.
var errNoCredentialCommand = failure.MarkTerminal(errors.New(
	"the Package Service security setting is read and changed only through site.itms.ns.credential_command, " +
		"which the policy does not set (see README)"))

// credentialParams are the parameters of observe_credential and
// set_credential_mode: the admin's command as base64 text, and the mode
// and account to set.
type credentialParams struct {
	Command string `json:"command"`
	Mode    string `json:"mode"`
	Account string `json:"account"`
}

type credentialReply struct {
	OK            bool   `json:"ok"`
	Mode          string `json:"mode"`
	Account       string `json:"account"`
	PolicyVersion string `json:"policy_version"`
}

// Setting implements observed.NSSource through the credential command's
// "observe" verb. The policy version it returns is the Unix time, in
// seconds, at which the setting last changed. Agents expose no policy
// version (docs/itms.md), so it is compared with nothing today; it stays
// in the observation for the audit and for a later verify step.
func (s *Site) Setting(ctx context.Context) (observed.NSState, error) {
	if s.credCommand == "" {
		return observed.NSState{}, fmt.Errorf("read NS setting: no site.itms.ns.credential_command: %w", observed.ErrNotManaged)
	}
	var r credentialReply
	params := credentialParams{Command: s.credCommand}
	if err := s.call(ctx, s.cfg.NS.Host, opObserveCredential, params, &r); err != nil {
		return observed.NSState{}, s.scrub(err)
	}
	st, err := parseSetting(r)
	if err != nil {
		return observed.NSState{}, failure.MarkTerminal(fmt.Errorf("credential command, verb observe: %w", err))
	}
	return st, nil
}

func parseSetting(r credentialReply) (observed.NSState, error) {
	mode, err := vocab.ParseMode(r.Mode)
	if err != nil {
		return observed.NSState{}, err
	}
	c := vocab.Credential{Mode: mode, Account: strings.TrimSpace(r.Account)}
	if !mode.NeedsAccount() {
		c.Account = ""
	}
	if err := c.Validate(); err != nil {
		return observed.NSState{}, err
	}
	v, err := parsePolicyVersion(r.PolicyVersion)
	if err != nil {
		return observed.NSState{}, err
	}
	return observed.NSState{Credential: c, PolicyVersion: v}, nil
}

// parsePolicyVersion reads Unix seconds, or an ISO 8601 time (a DateTime
// the command returned); it must be positive.
func parsePolicyVersion(s string) (int64, error) {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t, terr := time.Parse(time.RFC3339Nano, s)
		if terr != nil {
			return 0, fmt.Errorf("policy_version %q is neither Unix seconds nor an ISO 8601 time", vocab.Clip(s))
		}
		v = t.Unix()
	}
	if v <= 0 {
		return 0, fmt.Errorf("policy_version %d: want the Unix time of the setting's last change", v)
	}
	return v, nil
}

// nsParams are observe_ns's parameters.
type nsParams struct {
	Root      string      `json:"root"`
	HeadBytes int         `json:"head_bytes"`
	Packages  []nsPackage `json:"packages"`
}

type nsPackage struct {
	ID   vocab.GUID `json:"id"`
	Path string     `json:"path"`
}

type nsReply struct {
	OK        bool      `json:"ok"`
	Snapshots []nsEntry `json:"snapshots"`
}

type nsEntry struct {
	ID      string  `json:"id"`
	Head    *string `json:"head"`
	Refused string  `json:"refused"`
}

// Snapshots implements observed.NSSource: the version of each package's
// NS snapshot. A snapshot that cannot be read or parsed is left out (the
// planner then plans nothing destructive for it) and logged.
func (s *Site) Snapshots(ctx context.Context, packages []vocab.GUID) ([]observed.Snapshot, error) {
	p := nsParams{Root: s.cfg.NS.SnapshotsDir, HeadBytes: headBytes, Packages: []nsPackage{}}
	for _, g := range packages {
		if err := checkPackage(g); err != nil {
			return nil, fmt.Errorf("read NS snapshots: %w", err)
		}
		p.Packages = append(p.Packages, nsPackage{ID: g, Path: nsSnapshotPath(p.Root, g)})
	}
	var r nsReply
	if err := s.call(ctx, s.cfg.NS.Host, opObserveNS, p, &r); err != nil {
		return nil, s.scrub(err)
	}
	byID := map[vocab.GUID]nsEntry{}
	for _, e := range r.Snapshots {
		if g, err := vocab.ParseGUID(e.ID); err == nil {
			byID[g] = e
		}
	}
	out := make([]observed.Snapshot, 0, len(packages))
	for _, g := range packages {
		snap, err := nsSnapshot(g, byID)
		if err != nil {
			s.log.Warn("NS snapshot left out", "package", g, "error", err)
			continue
		}
		out = append(out, snap)
	}
	return out, nil
}

func nsSnapshot(g vocab.GUID, byID map[vocab.GUID]nsEntry) (observed.Snapshot, error) {
	e, ok := byID[g]
	switch {
	case !ok:
		return observed.Snapshot{}, errors.New("no answer")
	case e.Refused != "":
		return observed.Snapshot{}, fmt.Errorf("not read: %s", vocab.Clip(e.Refused))
	case e.Head == nil:
		return observed.Snapshot{Package: g}, nil
	}
	head, err := base64.StdEncoding.DecodeString(*e.Head)
	if err != nil {
		return observed.Snapshot{}, errors.New("content is not base64")
	}
	v, err := snapshotVersion(head)
	if err != nil {
		return observed.Snapshot{}, err
	}
	return observed.Snapshot{Package: g, Present: true, Version: v}, nil
}
