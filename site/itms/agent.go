package itms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// agentParams are observe_agent's parameters; every path is built here,
// from validated folders and GUIDs.
type agentParams struct {
	DeliveryRoots []string       `json:"delivery_roots"`
	StatusRoots   []string       `json:"status_roots"`
	Logs          string         `json:"logs"`
	LogFile       string         `json:"log_file"`
	HeadBytes     int            `json:"head_bytes"`
	LogTailBytes  int            `json:"log_tail_bytes"`
	Packages      []agentPackage `json:"packages"`
}

// agentPackage names one package's folder and files under every candidate
// root, in the roots' order.
type agentPackage struct {
	ID        vocab.GUID `json:"id"`
	Folders   []string   `json:"folders"`
	Snapshots []string   `json:"snapshots"`
	Statuses  []string   `json:"statuses"`
}

// agentReply is observe_agent's reply.
type agentReply struct {
	OK       bool         `json:"ok"`
	Roots    []rootEntry  `json:"roots"`
	Log      fileRead     `json:"log"`
	Local    []localEntry `json:"local"`
	Packages []pkgEntry   `json:"packages"`
}

// rootEntry is one candidate folder: whether it exists, why it was not
// read, and for a Package Delivery folder its access rules.
type rootEntry struct {
	Path    string    `json:"path"`
	Exists  bool      `json:"exists"`
	Refused string    `json:"refused"`
	ACL     []aclRule `json:"acl"`
}

type localEntry struct {
	ID     string `json:"id"`
	Status int    `json:"status"`
}

// pkgEntry is one package: its folder under each delivery root, and its
// snapshot.xml (per delivery root) and PackageStatus.xml (per status root).
type pkgEntry struct {
	ID        string        `json:"id"`
	Folders   []folderEntry `json:"folders"`
	Snapshots []fileRead    `json:"snapshots"`
	Statuses  []fileRead    `json:"statuses"`
}

// folderEntry is a Package Delivery\{GUID} folder: whether it exists, and
// the SIDs its Allow rules grant anything to.
type folderEntry struct {
	Exists  bool     `json:"exists"`
	Refused string   `json:"refused"`
	SIDs    []string `json:"sids"`
}

// Why the real driver reports the credential facts unknown (at most 80
// bytes: observed clips driver text there). See docs/itms.md.
const (
	appliedUnknownWhy = "not exposed: the agent keeps it in its secure storage (aexs://)"
	versionUnknownWhy = "not exposed: the client policy is rewritten at every update"
)

// Agent implements observed.AgentSource: one observe_agent run on server
// (and, once an hour, a locate_agent run first). A package whose files
// cannot be read or parsed is left out of the facts (and logged), so that
// nothing is planned for it on a guess.
func (s *Site) Agent(ctx context.Context, server vocab.Host, packages []vocab.GUID) (observed.AgentFacts, error) {
	if err := checkHost(server); err != nil {
		return observed.AgentFacts{}, fmt.Errorf("observe %s: %w", vocab.Clip(string(server)), err)
	}
	for _, g := range packages {
		if err := checkPackage(g); err != nil {
			return observed.AgentFacts{}, fmt.Errorf("observe %s: %w", server, err)
		}
	}
	loc, err := s.candidates(ctx, server)
	if err != nil {
		return observed.AgentFacts{}, err
	}
	params, err := s.agentParams(loc, packages)
	if err != nil {
		return observed.AgentFacts{}, fmt.Errorf("observe %s: %w", server, err)
	}
	var r agentReply
	if err := s.call(ctx, server, opObserveAgent, params, &r); err != nil {
		return observed.AgentFacts{}, s.scrub(err)
	}
	facts, found, err := s.agentFacts(server, loc, packages, r)
	if err != nil {
		return observed.AgentFacts{}, fmt.Errorf("observe %s: %w", server, err)
	}
	s.remember(server, loc, found)
	return facts, nil
}

func (s *Site) agentParams(loc locations, packages []vocab.GUID) (agentParams, error) {
	a := s.cfg.Agent
	p := agentParams{
		DeliveryRoots: loc.delivery, StatusRoots: loc.status, Logs: a.Logs, LogFile: a.Logs + `\` + agentLogName,
		HeadBytes: headBytes, LogTailBytes: logTailBytes, Packages: []agentPackage{},
	}
	for _, g := range packages {
		if err := checkPackage(g); err != nil {
			return agentParams{}, err
		}
		e := agentPackage{ID: g}
		for _, root := range loc.delivery {
			e.Folders = append(e.Folders, psPackageFolder(root, g))
			e.Snapshots = append(e.Snapshots, psSnapshotPath(root, g))
		}
		for _, root := range loc.status {
			e.Statuses = append(e.Statuses, psStatusPath(root, g))
		}
		p.Packages = append(p.Packages, e)
	}
	return p, nil
}

// agentFacts turns observe_agent's raw reply into facts, and returns the
// folders found. A server with no Package Delivery folder in any candidate
// place is not observed: its packages could not be judged.
func (s *Site) agentFacts(server vocab.Host, loc locations, asked []vocab.GUID, r agentReply) (observed.AgentFacts, locations, error) {
	found, acl, err := foundRoots(loc, r.Roots)
	if err != nil {
		return observed.AgentFacts{}, locations{}, err
	}
	facts := observed.AgentFacts{Server: server, AppliedUnknown: appliedUnknownWhy, PolicyVersionUnknown: versionUnknownWhy,
		FullControl: fullControlEverywhere(acl, s.requiredRights())}
	if tail, _, err := r.Log.content(); err != nil {
		s.log.Warn("agent.log not read", "server", server, "error", err)
	} else {
		facts.LogSignatures = logSignatures(tail)
	}
	local := map[vocab.GUID]int{}
	for _, l := range r.Local {
		if g, err := vocab.ParseGUID(l.ID); err == nil {
			local[g] = l.Status
		}
	}
	for _, e := range r.Packages {
		pf, ev, err := packageFiles(server, asked, e, local)
		if err != nil {
			s.log.Warn("package files left out", "server", server, "package", vocab.Clip(e.ID), "error", err)
			continue
		}
		facts.Packages = append(facts.Packages, pf)
		facts.Evidence.FoldersRead += ev.FoldersRead
		facts.Evidence.BareFolders += ev.BareFolders
		facts.Evidence.TrustErrors += ev.TrustErrors
	}
	return facts, found, nil
}

// foundRoots keeps the candidate folders the reply says exist, in the
// candidates' order, with each delivery folder's access rules. The reply
// must answer for exactly the folders asked.
func foundRoots(loc locations, roots []rootEntry) (locations, [][]aclRule, error) {
	asked := append(slices.Clone(loc.delivery), loc.status...)
	if len(roots) != len(asked) {
		return locations{}, nil, fmt.Errorf("reply names %d folders, %d asked", len(roots), len(asked))
	}
	var found locations
	var acls [][]aclRule
	for i, r := range roots {
		if r.Path != asked[i] {
			return locations{}, nil, fmt.Errorf("reply names folder %q, asked %q", vocab.Clip(r.Path), vocab.Clip(asked[i]))
		}
		if r.Refused != "" {
			found.notes = append(found.notes, fmt.Sprintf("%s: %s", r.Path, vocab.Clip(r.Refused)))
			continue
		}
		if !r.Exists {
			continue
		}
		if i < len(loc.delivery) {
			found.delivery = append(found.delivery, r.Path)
			acls = append(acls, r.ACL)
		} else {
			found.status = append(found.status, r.Path)
		}
	}
	if len(found.delivery) == 0 {
		return locations{}, nil, fmt.Errorf("no Package Delivery folder found (looked in %s; set agent package_delivery to override)",
			vocab.Clip(strings.Join(loc.delivery, "; ")))
	}
	return found, acls, nil
}

// packageFiles parses one package's entry: the first snapshot.xml and the
// first PackageStatus.xml present, in the roots' order, and KB 179719's
// evidence of its folder and status report.
func packageFiles(server vocab.Host, asked []vocab.GUID, e pkgEntry, local map[vocab.GUID]int) (observed.PackageFiles, observed.CredentialEvidence, error) {
	var ev observed.CredentialEvidence
	g, err := vocab.ParseGUID(e.ID)
	if err != nil || !slices.Contains(asked, g) {
		return observed.PackageFiles{}, ev, errors.New("not a package asked for")
	}
	pf := observed.PackageFiles{Server: server, Package: g, Local: vocab.LocalUnavailable}
	if code, ok := local[g]; ok {
		if pf.Local, err = localStatus(code); err != nil {
			return observed.PackageFiles{}, ev, err
		}
	}
	head, present, err := firstPresent(e.Snapshots)
	if err == nil && present {
		pf.SnapshotPresent = true
		pf.SnapshotVersion, err = snapshotVersion(head)
	}
	if err != nil {
		return observed.PackageFiles{}, ev, fmt.Errorf("snapshot.xml: %w", err)
	}
	head, present, err = firstPresent(e.Statuses)
	if err == nil && present {
		pf.StatusPresent = true
		pf.StatusRecorded, err = recordedStatus(head)
		if trustError(head) {
			ev.TrustErrors = 1
		}
	}
	if err != nil {
		return observed.PackageFiles{}, ev, fmt.Errorf("PackageStatus.xml: %w", err)
	}
	for _, f := range e.Folders {
		if f.Exists && f.Refused == "" {
			ev.FoldersRead = 1
			if bareFolder(f.SIDs) {
				ev.BareFolders = 1
			}
			break
		}
	}
	return pf, ev, nil
}

// firstPresent returns the first file of reads that is present. A refused
// read before it is an error: the file the agent uses may be the refused one.
func firstPresent(reads []fileRead) ([]byte, bool, error) {
	for _, f := range reads {
		data, present, err := f.content()
		if err != nil {
			return nil, false, err
		}
		if present {
			return data, true, nil
		}
	}
	return nil, false, nil
}
