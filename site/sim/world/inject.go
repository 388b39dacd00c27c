package world

import (
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/site/sim/faults"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

// inject breaks the site as the faults due at one instant say (DESIGN
// §7). It first builds the broken state, then has every affected server
// report from it with the resend_status rule, so that the CMDB shows what
// such a report shows; then come the CMDB-side faults (status_lost rows,
// bad rows), which no report explains.
func (w *World) inject(idx []int, at time.Time) error {
	ns, err := w.Store.NS()
	if err != nil {
		return err
	}
	report := map[int]bool{}
	var cmdbSide []faults.Fault
	for _, i := range idx {
		f := w.Meta.Faults[i]
		switch f.Kind {
		case scenario.StatusLost, scenario.BadRow:
			cmdbSide = append(cmdbSide, f)
			continue
		case scenario.RemedyFailsOnce:
			continue // nothing breaks until a remedy is applied
		}
		if err := w.breakState(f, ns); err != nil {
			return err
		}
		for _, srv := range f.Servers {
			report[srv] = true
		}
	}
	for _, srv := range sortedKeys(report) {
		if err := w.report(at, srv, nil); err != nil {
			return err
		}
	}
	for _, f := range cmdbSide {
		if err := w.breakCMDB(f, at); err != nil {
			return err
		}
	}
	return nil
}

// breakState applies the agent- and file-side part of a fault.
func (w *World) breakState(f faults.Fault, ns NSSetting) error {
	if f.Kind == scenario.StaleNSSnapshot {
		for _, p := range f.Packages {
			if err := w.Store.PutNSSnapshot(p, FileVer{Present: true, Version: w.Cat.Packages[p].Prev}); err != nil {
				return err
			}
		}
	}
	for _, srv := range f.Servers {
		var err error
		switch f.Kind {
		case scenario.CredentialNotReceived, scenario.CredentialStuck, scenario.ACLMissing, scenario.Downloading:
			err = w.breakAgent(f, srv, ns)
		case scenario.StalePSSnapshot, scenario.StaleNSSnapshot:
			err = w.staleFiles(srv, f.Packages)
		case scenario.StaleStatusFile:
			for _, p := range f.Packages {
				if err = w.Store.PutStatusFile(srv, p, StatusFile{Present: true, Status: vocab.Invalid, Version: w.Cat.Packages[p].Version}); err != nil {
					break
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// breakAgent applies a fault to what Windows holds on the server.
func (w *World) breakAgent(f faults.Fault, srv int, ns NSSetting) error {
	a, err := w.Store.Agent(srv)
	if err != nil {
		return err
	}
	a = a.Clone()
	switch f.Kind {
	case scenario.CredentialNotReceived:
		a.Received = ns.Version - 1
		a.Applied = otherCredential(ns.Cred)
	case scenario.CredentialStuck:
		w.Meta.Stuck[srv] = true
		a.Received = ns.Version
		a.Applied = otherCredential(ns.Cred)
	case scenario.ACLMissing:
		a.FullControl = slices.DeleteFunc(a.FullControl, func(p string) bool {
			return p != PrincipalSystem && p != PrincipalAdmins && strings.EqualFold(p, ns.Cred.Account)
		})
	case scenario.Downloading:
		for _, p := range f.Packages {
			if !a.IsDownloading(p) {
				a.Downloading = append(a.Downloading, p)
			}
		}
		slices.Sort(a.Downloading)
	}
	return w.Store.PutAgent(srv, a)
}

// staleFiles leaves the previous version in the PS's snapshot.xml and an
// Invalid report in its PackageStatus.xml.
func (w *World) staleFiles(srv int, pkgs []int) error {
	for _, p := range pkgs {
		prev := w.Cat.Packages[p].Prev
		if err := w.Store.PutSnapshot(srv, p, FileVer{Present: true, Version: prev}); err != nil {
			return err
		}
		if err := w.Store.PutStatusFile(srv, p, StatusFile{Present: true, Status: vocab.Invalid, Version: prev}); err != nil {
			return err
		}
	}
	return nil
}

// breakCMDB applies the CMDB-side faults: rows Invalid though a report
// would say Ready, or an extra row naming no package.
func (w *World) breakCMDB(f faults.Fault, at time.Time) error {
	for _, srv := range f.Servers {
		rw := RowWrite{At: at, Server: srv}
		if f.Kind == scenario.BadRow {
			rw.BadRow = f.PackageID
			if err := w.rowsOut(rw); err != nil {
				return err
			}
			continue
		}
		for _, p := range f.Packages {
			old, err := w.Store.Row(srv, p)
			if err != nil {
				return err
			}
			rw.Rows = append(rw.Rows, RowPut{P: p, Row: Row{Status: vocab.Invalid, Version: old.Version}})
		}
		if err := w.rowsOut(rw); err != nil {
			return err
		}
	}
	return nil
}

// downloadEnd finishes a download: the packages get the current snapshot,
// their local status turns Ready, and the PS reports those packages only.
func (w *World) downloadEnd(f faults.Fault, at time.Time) error {
	for _, srv := range f.Servers {
		a, err := w.Store.Agent(srv)
		if err != nil {
			return err
		}
		a = a.Clone()
		a.Downloading = slices.DeleteFunc(a.Downloading, func(p int) bool {
			_, hit := slices.BinarySearch(f.Packages, p)
			return hit
		})
		if err := w.Store.PutAgent(srv, a); err != nil {
			return err
		}
		for _, p := range f.Packages {
			if err := w.Store.PutSnapshot(srv, p, FileVer{Present: true, Version: w.Cat.Packages[p].Version}); err != nil {
				return err
			}
		}
		if err := w.report(at, srv, f.Packages); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
