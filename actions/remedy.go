package actions

import (
	"fmt"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// refreshID is the id of the single run_package_refresh of a plan.
var refreshID = MakeID(RunPackageRefresh, Target{}, 0, "")

// nsSnapshots plans the NS side of every stale NS snapshot seen on an
// observed server: one delete_ns_snapshot per package whose NS copy is
// present but stale, and one run_package_refresh after all of them.
func nsSnapshots(b *builder, diags []*serverDiag) {
	seen := map[vocab.GUID]bool{}
	for _, sd := range diags {
		for _, pc := range sd.pkgs {
			p := pc.pair.Package
			if pc.cause != StaleNSSnapshot || seen[p] {
				continue
			}
			seen[p] = true
			facts := []Fact{{"package", packageLabel(pc)}, {"package_version", pc.pair.PackageVersion},
				{"ns_snapshot", snapshotLabel(pc.nsSnap.Present, pc.nsSnap.Version)}}
			var requires []string
			if pc.nsSnap.Present {
				del := b.add(DeleteNSSnapshot, Target{Package: p}, 0, Reason{Cause: StaleNSSnapshot,
					Message: fmt.Sprintf("NS snapshot %s.xml holds version %s; %s is at version %s",
						p.Braced(), pc.nsSnap.Version, packageLabel(pc), pc.pair.PackageVersion),
					Facts: facts})
				requires = []string{del.ID}
			}
			r := b.add(RunPackageRefresh, Target{}, 0, Reason{Cause: StaleNSSnapshot,
				Message: fmt.Sprintf("rebuild the NS snapshot of %s", packageLabel(pc)),
				Facts:   facts, Requires: requires})
			r.after(requires...)
		}
	}
}

// planPackage plans the package-level remedy of one pair on its server and
// returns the actions a status report for it requires, and the reason to add
// to update_configuration when the snapshot must be restored from the NS.
// ns lists the NS remedies every snapshot remedy of the server waits for.
func planPackage(b *builder, host vocab.Host, pc pkgCause, ns []string) ([]string, *Reason) {
	t := Target{Server: host, Package: pc.pair.Package}
	switch pc.cause {
	case StaleNSSnapshot, StalePSSnapshot:
		reqs := slices.Clone(ns)
		facts := pairFacts(pc)
		if pc.files.SnapshotPresent {
			a := b.add(DeletePSSnapshot, t, 0, Reason{Cause: pc.cause, Facts: facts, Requires: reqs,
				Message: fmt.Sprintf("snapshot.xml of %s holds version %s; the package is at version %s",
					packageLabel(pc), pc.files.SnapshotVersion, pc.pair.PackageVersion)})
			a.after(reqs...)
			reqs = append(reqs, a.ID)
		}
		if invalidStatusFile(pc) || forcedStatusFile(pc) {
			reqs = append(reqs, deleteStatus(b, t, pc, facts, reqs).ID)
		}
		return reqs, &Reason{Cause: pc.cause, Facts: facts, Requires: reqs,
			Message: fmt.Sprintf("restore snapshot.xml of %s from the NS", packageLabel(pc))}
	case StaleStatusFile:
		return []string{deleteStatus(b, t, pc, pairFacts(pc), nil).ID}, nil
	case StatusLost:
		if pc.files.StatusPresent && pc.files.StatusRecorded == vocab.Deleted {
			// The file is kept: it holds the agent's own countdown to deleting
			// the package's files (KB 178503).
			return nil, &Reason{Cause: StatusLost, Facts: pairFacts(pc),
				Message: fmt.Sprintf("PackageStatus.xml of %s records Deleted: the package server takes the package for "+
					"unassigned although the CMDB assigns it (KBs 178503, 181052); a new configuration lists it again", packageLabel(pc))}
		}
	}
	return nil, nil
}

func deleteStatus(b *builder, t Target, pc pkgCause, facts []Fact, reqs []string) *Action {
	a := b.add(DeletePSStatus, t, 0, Reason{Cause: pc.cause, Facts: facts, Requires: reqs,
		Message: fmt.Sprintf("PackageStatus.xml of %s records %s", packageLabel(pc), pc.files.StatusRecorded)})
	a.after(reqs...)
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

func pairFacts(pc pkgCause) []Fact {
	return []Fact{
		{"package", packageLabel(pc)},
		{"row_status", string(pc.pair.Status)},
		{"row_version", pc.pair.Version},
		{"package_version", pc.pair.PackageVersion},
		{"ps_snapshot", snapshotLabel(pc.files.SnapshotPresent, pc.files.SnapshotVersion)},
		{"ps_status_file", statusFileLabel(pc)},
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
