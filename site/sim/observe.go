package sim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim/disk"
	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/site/sim/world"
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
		if s.w.CMDBDown(now) {
			return ErrCMDBDown
		}
		var err error
		rows, err = s.w.Store.InQuestion(ctx)
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
		if s.w.CMDBDown(now) {
			return ErrCMDBDown
		}
		var err error
		out, err = s.w.Store.Servers(ctx)
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
		ns, err := s.w.Store.NS()
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
			if p, ok := s.w.Cat.Package(g); ok {
				f, err := s.w.Store.NSSnapshot(p)
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
	name := s.w.Cat.Servers[srv].Name
	a, err := s.w.Store.Agent(srv)
	if err != nil {
		return observed.AgentFacts{}, err
	}
	tail, err := s.w.Store.LogTail(srv)
	if err != nil {
		return observed.AgentFacts{}, err
	}
	ns, err := s.w.Store.NS()
	if err != nil {
		return observed.AgentFacts{}, err
	}
	out := observed.AgentFacts{
		Server: name, Applied: a.Applied, PolicyVersion: a.Received,
		FullControl: slices.Clone(a.FullControl), LogSignatures: world.Signatures(tail),
	}
	if s.hide {
		out.Applied, out.AppliedUnknown = vocab.Credential{}, hiddenApplied
		out.PolicyVersion, out.PolicyVersionUnknown = 0, hiddenVersion
	}
	bare := world.FolderBare(a, ns)
	for _, g := range packages {
		if _, ok := s.w.Cat.Package(g); ok {
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

// packageFiles reads one package's files on a server. A package the site
// does not know has no files and is unavailable to the agent.
func (s *Site) packageFiles(srv int, a world.AgentRec, g vocab.GUID) (observed.PackageFiles, error) {
	pf := observed.PackageFiles{Server: s.w.Cat.Servers[srv].Name, Package: g, Local: vocab.LocalUnavailable}
	p, ok := s.w.Cat.Package(g)
	if !ok {
		return pf, nil
	}
	snap, err := s.w.Store.Snapshot(srv, p)
	if err != nil {
		return pf, err
	}
	file, err := s.w.Store.StatusFile(srv, p)
	if err != nil {
		return pf, err
	}
	pf.SnapshotPresent, pf.SnapshotVersion = snap.Present, snap.Version
	pf.StatusPresent = file.Present
	if file.Present {
		pf.StatusRecorded = file.Status
	}
	pf.Local = vocab.LocalReady
	if a.IsDownloading(p) {
		pf.Local = vocab.LocalDownloading
	}
	return pf, nil
}

// observeTarget is the target an observation of a server checks like an
// action's.
func observeTarget(h vocab.Host) actions.Target { return actions.Target{Server: h} }

// CMDBSchema checks the schema of the disk site's SQLite CMDB as the real
// reader checks SQL Server's (cmdb.CheckSchema): for `reconciler
// doctor`. The in-memory site has no SQL schema.
func (s *Site) CMDBSchema(ctx context.Context) (cmdb.Schema, error) {
	var out cmdb.Schema
	err := s.do(ctx, func(now time.Time) error {
		if s.w.CMDBDown(now) {
			return ErrCMDBDown
		}
		ds, ok := s.w.Store.(*disk.Store)
		if !ok {
			return errors.New("the in-memory site has no SQL schema")
		}
		var err error
		out, err = ds.Schema(ctx)
		return err
	})
	if err != nil {
		return cmdb.Schema{}, fmt.Errorf("schema: %w", err)
	}
	return out, nil
}
