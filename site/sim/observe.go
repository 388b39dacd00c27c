package sim

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/vocab"
)

// InQuestion yields the SWDPackageServer rows in question (observed.CMDB):
// rows not Ready, rows whose version differs from the package's, rows
// naming unknown packages. It fails while the CMDB is down. The rows are
// read under the site's lock and handed to fn after it is released, so fn
// may call the site.
func (s *Site) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	var rows []observed.RawRow
	err := s.do(ctx, func(now time.Time) error {
		if s.cmdbDown(now) {
			return ErrCMDBDown
		}
		var err error
		rows, err = s.st.inQuestion(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("rows in question: %w", err)
	}
	for _, r := range rows {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Servers lists the package servers with pair counts by status
// (observed.CMDB). It fails while the CMDB is down.
func (s *Site) Servers(ctx context.Context) ([]observed.RawServer, error) {
	var out []observed.RawServer
	err := s.do(ctx, func(now time.Time) error {
		if s.cmdbDown(now) {
			return ErrCMDBDown
		}
		var err error
		out, err = s.st.servers(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("servers: %w", err)
	}
	return out, nil
}

// Setting returns the NS credential setting and policy version
// (observed.NSSource).
func (s *Site) Setting(ctx context.Context) (observed.NSState, error) {
	var out observed.NSState
	err := s.do(ctx, func(time.Time) error {
		ns, err := s.st.ns()
		out = observed.NSState{Credential: ns.Cred, PolicyVersion: ns.Version}
		return err
	})
	if err != nil {
		return observed.NSState{}, fmt.Errorf("NS setting: %w", err)
	}
	return out, nil
}

// Snapshots reads the NS snapshot files of the packages asked for, and
// only those (observed.NSSource).
func (s *Site) Snapshots(ctx context.Context, packages []vocab.GUID) ([]observed.Snapshot, error) {
	out := make([]observed.Snapshot, 0, len(packages))
	err := s.do(ctx, func(time.Time) error {
		for _, g := range packages {
			if err := s.check(layout.Read, layout.NSSnapshot(string(g))); err != nil {
				return err
			}
			snap := observed.Snapshot{Package: g}
			if p, ok := s.cat.Package(g); ok {
				f, err := s.st.nsSnapshot(p)
				if err != nil {
					return err
				}
				snap.Present, snap.Version = f.Present, f.Version
			}
			out = append(out, snap)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("NS snapshots: %w", err)
	}
	return out, nil
}

// Agent observes one package server: its applied credential, policy
// version, Package Delivery ACL, the KB error signatures of its recent
// agent.log, and the files of the packages asked for, and only those
// (observed.AgentSource). An unreachable server is an error.
func (s *Site) Agent(ctx context.Context, server vocab.Host, packages []vocab.GUID) (observed.AgentFacts, error) {
	var out observed.AgentFacts
	err := s.do(ctx, func(now time.Time) error {
		srv, err := s.psTarget(now, observeTarget(server), layout.AgentJSON(string(server)), layout.Read)
		if err != nil {
			return err
		}
		out, err = s.agentFacts(srv, packages)
		return err
	})
	if err != nil {
		return observed.AgentFacts{}, fmt.Errorf("agent %s: %w", targetText(observeTarget(server)), err)
	}
	return out, nil
}

func (s *Site) agentFacts(srv int, packages []vocab.GUID) (observed.AgentFacts, error) {
	name := s.cat.servers[srv].name
	a, err := s.st.agent(srv)
	if err != nil {
		return observed.AgentFacts{}, err
	}
	tail, err := s.st.logTail(srv)
	if err != nil {
		return observed.AgentFacts{}, err
	}
	ns, err := s.st.ns()
	if err != nil {
		return observed.AgentFacts{}, err
	}
	out := observed.AgentFacts{
		Server: name, Applied: a.Applied, PolicyVersion: a.Received,
		FullControl: slices.Clone(a.FullControl), LogSignatures: signatures(tail),
	}
	if s.hide {
		out.Applied, out.AppliedUnknown = vocab.Credential{}, hiddenApplied
		out.PolicyVersion, out.PolicyVersionUnknown = 0, hiddenVersion
	}
	bare := folderBare(a, ns)
	for _, g := range packages {
		if _, ok := s.cat.Package(g); ok {
			out.Evidence.FoldersRead++
			if bare {
				out.Evidence.BareFolders++
			}
		}
		if err := s.check(layout.Read, layout.Snapshot(string(name), string(g))); err != nil {
			return observed.AgentFacts{}, err
		}
		pf, err := s.packageFiles(srv, a, g)
		if err != nil {
			return observed.AgentFacts{}, err
		}
		out.Packages = append(out.Packages, pf)
	}
	return out, nil
}

// folderBare reports whether a server's Package Delivery\{GUID} folders
// grant nobody but Administrators and SYSTEM, as KB 179719 finds them when
// the credential was not applied: the sim keeps one ACL per server, and a
// folder holds the account only while the agent applied the NS setting and
// the account holds Full Control on Package Delivery. Only a mode with an
// account can show it.
func folderBare(a agentRec, ns nsSetting) bool {
	if !ns.Cred.Mode.NeedsAccount() {
		return false
	}
	return !a.Applied.Equal(ns.Cred) || !hasPrincipal(a.FullControl, ns.Cred.Account)
}

// packageFiles reads one package's files on a server. A package the site
// does not know has no files and is unavailable to the agent.
func (s *Site) packageFiles(srv int, a agentRec, g vocab.GUID) (observed.PackageFiles, error) {
	pf := observed.PackageFiles{Server: s.cat.servers[srv].name, Package: g, Local: vocab.LocalUnavailable}
	p, ok := s.cat.Package(g)
	if !ok {
		return pf, nil
	}
	snap, err := s.st.snapshot(srv, p)
	if err != nil {
		return pf, err
	}
	file, err := s.st.statusFile(srv, p)
	if err != nil {
		return pf, err
	}
	pf.SnapshotPresent, pf.SnapshotVersion = snap.Present, snap.Version
	pf.StatusPresent = file.Present
	if file.Present {
		pf.StatusRecorded = file.Status
	}
	pf.Local = vocab.LocalReady
	if a.downloading(p) {
		pf.Local = vocab.LocalDownloading
	}
	return pf, nil
}

// observeTarget is the target an observation of a server checks like an
// action's.
func observeTarget(h vocab.Host) actions.Target { return actions.Target{Server: h} }
