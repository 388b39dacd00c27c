package planner

import (
	"fmt"
	"github.com/itms-tools/reconciler/actions"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// refreshID is the id of the single run_package_refresh of a plan.
var refreshID = actions.FormatID(actions.RunPackageRefresh, actions.Target{}, 0, "")

// nsSnapshots plans the NS side of every stale NS snapshot seen on an
// observed server: one delete_ns_snapshot per package whose NS copy is
// present but stale, and one run_package_refresh after all of them.
func nsSnapshots(b *builder, diags []*serverDiag) {
	seen := map[vocab.GUID]bool{}
	for _, sd := range diags {
		for _, pc := range sd.pkgs {
			p := pc.pair.Package
			if pc.cause != actions.StaleNSSnapshot || seen[p] {
				continue
			}
			seen[p] = true
			facts := []actions.Fact{{Name: "package", Value: packageLabel(pc)}, {Name: "package_version", Value: pc.pair.PackageVersion},
				{Name: "ns_snapshot", Value: snapshotLabel(pc.nsSnap.Present, pc.nsSnap.Version)}}
			var requires []string
			if pc.nsSnap.Present {
				del := b.add(actions.DeleteNSSnapshot, actions.Target{Package: p}, 0, actions.Reason{Cause: actions.StaleNSSnapshot,
					Message: fmt.Sprintf("NS snapshot %s.xml holds version %s; %s is at version %s",
						p.Braced(), pc.nsSnap.Version, packageLabel(pc), pc.pair.PackageVersion),
					Facts: facts})
				requires = []string{del.ID}
			}
			r := b.add(actions.RunPackageRefresh, actions.Target{}, 0, actions.Reason{Cause: actions.StaleNSSnapshot,
				Message: fmt.Sprintf("rebuild the NS snapshot of %s", packageLabel(pc)),
				Facts:   facts, Requires: requires})
			after(r, requires...)
		}
	}
}

// planPackage plans the package-level remedy of one pair on its server and
// returns the actions a status report for it requires, and the reason to add
// to update_configuration when the snapshot must be restored from the NS.
// ns lists the NS remedies every snapshot remedy of the server waits for.
func planPackage(b *builder, host vocab.Host, pc pkgCause, ns []string) ([]string, *actions.Reason) {
	t := actions.Target{Server: host, Package: pc.pair.Package}
	switch pc.cause {
	case actions.StaleNSSnapshot, actions.StalePSSnapshot:
		reqs := slices.Clone(ns)
		facts := pairFacts(pc)
		if pc.files.SnapshotPresent {
			a := b.add(actions.DeletePSSnapshot, t, 0, actions.Reason{Cause: pc.cause, Facts: facts, Requires: reqs,
				Message: fmt.Sprintf("snapshot.xml of %s holds version %s; the package is at version %s",
					packageLabel(pc), pc.files.SnapshotVersion, pc.pair.PackageVersion)})
			after(a, reqs...)
			reqs = append(reqs, a.ID)
		}
		if invalidStatusFile(pc) || forcedStatusFile(pc) {
			reqs = append(reqs, deleteStatus(b, t, pc, facts, reqs).ID)
		}
		return reqs, &actions.Reason{Cause: pc.cause, Facts: facts, Requires: reqs,
			Message: fmt.Sprintf("restore snapshot.xml of %s from the NS", packageLabel(pc))}
	case actions.StaleStatusFile:
		return []string{deleteStatus(b, t, pc, pairFacts(pc), nil).ID}, nil
	case actions.StatusLost:
		if pc.files.StatusPresent && pc.files.StatusRecorded == vocab.Deleted {
			// The file is kept: it holds the agent's own countdown to deleting
			// the package's files (KB 178503).
			return nil, &actions.Reason{Cause: actions.StatusLost, Facts: pairFacts(pc),
				Message: fmt.Sprintf("PackageStatus.xml of %s records Deleted: the package server takes the package for "+
					"unassigned although the CMDB assigns it (KBs 178503, 181052); a new configuration lists it again", packageLabel(pc))}
		}
	}
	return nil, nil
}

func deleteStatus(b *builder, t actions.Target, pc pkgCause, facts []actions.Fact, reqs []string) *actions.Action {
	a := b.add(actions.DeletePSStatus, t, 0, actions.Reason{Cause: pc.cause, Facts: facts, Requires: reqs,
		Message: fmt.Sprintf("PackageStatus.xml of %s records %s", packageLabel(pc), pc.files.StatusRecorded)})
	after(a, reqs...)
	return a
}

// forcedStatusFile reports whether Procedure 2 deletes the status file: it
// does wherever one is present, but never one recording Deleted (it holds
// the agent's countdown to removing the package, KB 178503).
func forcedStatusFile(pc pkgCause) bool {
	return pc.force && pc.files.StatusPresent && pc.files.StatusRecorded != vocab.Deleted
}

func invalidStatusFile(pc pkgCause) bool {
	return pc.files.StatusPresent && pc.files.StatusRecorded == vocab.Invalid
}

func pairFacts(pc pkgCause) []actions.Fact {
	return []actions.Fact{
		{Name: "package", Value: packageLabel(pc)},
		{Name: "row_status", Value: string(pc.pair.Status)},
		{Name: "row_version", Value: pc.pair.Version},
		{Name: "package_version", Value: pc.pair.PackageVersion},
		{Name: "ps_snapshot", Value: snapshotLabel(pc.files.SnapshotPresent, pc.files.SnapshotVersion)},
		{Name: "ps_status_file", Value: statusFileLabel(pc)},
	}
}

func packageLabel(pc pkgCause) string {
	if pc.pair.PackageName == "" {
		return string(pc.pair.Package)
	}
	return pc.pair.PackageName + " (" + string(pc.pair.Package) + ")"
}

func snapshotLabel(present bool, version string) string {
	if !present {
		return "absent"
	}
	return "version " + version
}

func statusFileLabel(pc pkgCause) string {
	if !pc.files.StatusPresent {
		return "absent"
	}
	return string(pc.files.StatusRecorded)
}

func aclLabel(acl []string) string {
	if len(acl) == 0 {
		return "empty"
	}
	s := slices.Clone(acl)
	return strings.Join(s, ", ")
}

func sortedHosts(hs []vocab.Host) []vocab.Host {
	out := slices.Clone(hs)
	slices.Sort(out)
	return slices.Compact(out)
}
