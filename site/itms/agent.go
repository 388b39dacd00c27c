package itms

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// agentParams are observe_agent's parameters; every path is built here,
// from validated folders and GUIDs.
type agentParams struct {
	Delivery       string         `json:"delivery"`
	StatusRoot     string         `json:"status_root"`
	Logs           string         `json:"logs"`
	LogFile        string         `json:"log_file"`
	ClientPolicies string         `json:"client_policies"`
	CredXPath      string         `json:"cred_xpath"`
	UserAttr       string         `json:"user_attr"`
	UserChildXPath string         `json:"user_child_xpath"`
	HeadBytes      int            `json:"head_bytes"`
	LogTailBytes   int            `json:"log_tail_bytes"`
	Packages       []agentPackage `json:"packages"`
}

type agentPackage struct {
	ID       vocab.GUID `json:"id"`
	Snapshot string     `json:"snapshot"`
	Status   string     `json:"status"`
}

// agentReply is observe_agent's reply.
type agentReply struct {
	OK          bool         `json:"ok"`
	PolicyFiles []policyFile `json:"policy_files"`
	ACL         []aclRule    `json:"acl"`
	Log         fileRead     `json:"log"`
	Local       []localEntry `json:"local"`
	Packages    []pkgEntry   `json:"packages"`
}

type localEntry struct {
	ID     string `json:"id"`
	Status int    `json:"status"`
}

type pkgEntry struct {
	ID       string   `json:"id"`
	Snapshot fileRead `json:"snapshot"`
	Status   fileRead `json:"status"`
}

// Agent implements observed.AgentSource: one observe_agent run on server.
// A package whose files cannot be read or parsed is left out of the facts
// (and logged), so that nothing is planned for it on a guess.
func (s *Site) Agent(ctx context.Context, server vocab.Host, packages []vocab.GUID) (observed.AgentFacts, error) {
	params, err := s.agentParams(server, packages)
	if err != nil {
		return observed.AgentFacts{}, fmt.Errorf("observe %s: %w", vocab.Clip(string(server)), err)
	}
	var r agentReply
	if err := s.call(ctx, server, opObserveAgent, params, &r); err != nil {
		return observed.AgentFacts{}, s.scrub(err)
	}
	facts, err := s.agentFacts(server, packages, r)
	if err != nil {
		return observed.AgentFacts{}, fmt.Errorf("observe %s: %w", server, err)
	}
	return facts, nil
}

func (s *Site) agentParams(server vocab.Host, packages []vocab.GUID) (agentParams, error) {
	if err := checkHost(server); err != nil {
		return agentParams{}, err
	}
	a := s.cfg.Agent
	p := agentParams{
		Delivery: a.PackageDelivery, StatusRoot: a.PackageStatus, Logs: a.Logs,
		LogFile: a.Logs + `\` + agentLogName, ClientPolicies: a.ClientPolicies,
		CredXPath: credXPath, UserAttr: credUserAttr, UserChildXPath: credUserChildXPath,
		HeadBytes: headBytes, LogTailBytes: logTailBytes, Packages: []agentPackage{},
	}
	for _, g := range packages {
		if err := checkPackage(g); err != nil {
			return agentParams{}, err
		}
		p.Packages = append(p.Packages, agentPackage{ID: g,
			Snapshot: psSnapshotPath(a.PackageDelivery, g), Status: psStatusPath(a.PackageStatus, g)})
	}
	return p, nil
}

// agentFacts turns observe_agent's raw reply into facts.
func (s *Site) agentFacts(server vocab.Host, asked []vocab.GUID, r agentReply) (observed.AgentFacts, error) {
	user, version, err := appliedUser(r.PolicyFiles)
	if err != nil {
		return observed.AgentFacts{}, err
	}
	applied, err := s.appliedCredential(user)
	if err != nil {
		return observed.AgentFacts{}, err
	}
	facts := observed.AgentFacts{Server: server, Applied: applied, PolicyVersion: version,
		FullControl: fullControl(r.ACL)}
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
		pf, err := packageFiles(server, asked, e, local)
		if err != nil {
			s.log.Warn("package files left out", "server", server, "package", vocab.Clip(e.ID), "error", err)
			continue
		}
		facts.Packages = append(facts.Packages, pf)
	}
	return facts, nil
}

// appliedCredential labels the applied user name with a mode. The client
// policy names an account, not a mode: an empty name is anonymous, and an
// account takes the mode of the NS setting last read (unknown when the NS
// is anonymous). Before any NS read the mode cannot be told, and the
// server is not observed rather than observed on a guess — unless the NS
// setting is not managed at all (no credential command), when the mode is
// reported unknown and never judged.
func (s *Site) appliedCredential(user string) (vocab.Credential, error) {
	if user == "" {
		return vocab.Credential{Mode: vocab.Anonymous}, nil
	}
	if err := vocab.ValidAccount(user); err != nil {
		return vocab.Credential{}, fmt.Errorf("client policy credential: %w", err)
	}
	ns := s.lastNS.Load()
	if ns == nil && s.credCommand == "" {
		// The NS setting is not managed: the account is reported, its mode
		// cannot be told and is not judged (observed.ErrNotManaged).
		return vocab.Credential{Mode: modeUnknown, Account: user}, nil
	}
	if ns == nil {
		return vocab.Credential{}, errors.New("the NS setting has not been read yet, so the mode of the applied account cannot be told")
	}
	if ns.Mode.NeedsAccount() {
		return vocab.Credential{Mode: ns.Mode, Account: user}, nil
	}
	return vocab.Credential{Mode: modeUnknown, Account: user}, nil
}

// packageFiles parses one package's entry.
func packageFiles(server vocab.Host, asked []vocab.GUID, e pkgEntry, local map[vocab.GUID]int) (observed.PackageFiles, error) {
	g, err := vocab.ParseGUID(e.ID)
	if err != nil || !slices.Contains(asked, g) {
		return observed.PackageFiles{}, errors.New("not a package asked for")
	}
	pf := observed.PackageFiles{Server: server, Package: g, Local: vocab.LocalUnavailable}
	if code, ok := local[g]; ok {
		if pf.Local, err = localStatus(code); err != nil {
			return observed.PackageFiles{}, err
		}
	}
	head, present, err := e.Snapshot.content()
	if err == nil && present {
		pf.SnapshotPresent = true
		pf.SnapshotVersion, err = snapshotVersion(head)
	}
	if err != nil {
		return observed.PackageFiles{}, fmt.Errorf("snapshot.xml: %w", err)
	}
	head, present, err = e.Status.content()
	if err == nil && present {
		pf.StatusPresent = true
		pf.StatusRecorded, err = recordedStatus(head)
	}
	if err != nil {
		return observed.PackageFiles{}, fmt.Errorf("PackageStatus.xml: %w", err)
	}
	return pf, nil
}
