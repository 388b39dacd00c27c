package sim

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
func (s *Site) inject(idx []int, at time.Time) error {
	ns, err := s.st.ns()
	if err != nil {
		return err
	}
	report := map[int]bool{}
	var cmdbSide []faults.Fault
	for _, i := range idx {
		f := s.m.Faults[i]
		switch f.Kind {
		case scenario.StatusLost, scenario.BadRow:
			cmdbSide = append(cmdbSide, f)
			continue
		}
		if err := s.breakState(f, ns); err != nil {
			return err
		}
		for _, srv := range f.Servers {
			report[srv] = true
		}
	}
	for _, srv := range sortedKeys(report) {
		if err := s.report(at, srv, nil); err != nil {
			return err
		}
	}
	for _, f := range cmdbSide {
		if err := s.breakCMDB(f, at); err != nil {
			return err
		}
	}
	return nil
}

// breakState applies the agent- and file-side part of a fault.
func (s *Site) breakState(f faults.Fault, ns nsSetting) error {
	if f.Kind == scenario.StaleNSSnapshot {
		for _, p := range f.Packages {
			if err := s.st.putNSSnapshot(p, fileVer{true, s.cat.packages[p].prev}); err != nil {
				return err
			}
		}
	}
	for _, srv := range f.Servers {
		var err error
		switch f.Kind {
		case scenario.CredentialNotReceived, scenario.CredentialStuck, scenario.ACLMissing, scenario.Downloading:
			err = s.breakAgent(f, srv, ns)
		case scenario.StalePSSnapshot, scenario.StaleNSSnapshot:
			err = s.staleFiles(srv, f.Packages)
		case scenario.StaleStatusFile:
			for _, p := range f.Packages {
				if err = s.st.putStatusFile(srv, p, statusFile{true, vocab.Invalid, s.cat.packages[p].version}); err != nil {
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
func (s *Site) breakAgent(f faults.Fault, srv int, ns nsSetting) error {
	a, err := s.st.agent(srv)
	if err != nil {
		return err
	}
	a = a.clone()
	switch f.Kind {
	case scenario.CredentialNotReceived:
		a.Received = ns.Version - 1
		a.Applied = otherCredential(ns.Cred)
	case scenario.CredentialStuck:
		s.m.Stuck[srv] = true
		a.Received = ns.Version
		a.Applied = otherCredential(ns.Cred)
	case scenario.ACLMissing:
		a.FullControl = slices.DeleteFunc(a.FullControl, func(p string) bool {
			return p != PrincipalSystem && p != PrincipalAdmins && strings.EqualFold(p, ns.Cred.Account)
		})
	case scenario.Downloading:
		for _, p := range f.Packages {
			if !a.downloading(p) {
				a.Downloading = append(a.Downloading, p)
			}
		}
		slices.Sort(a.Downloading)
	}
	return s.st.putAgent(srv, a)
}

// staleFiles leaves the previous version in the PS's snapshot.xml and an
// Invalid report in its PackageStatus.xml.
func (s *Site) staleFiles(srv int, pkgs []int) error {
	for _, p := range pkgs {
		prev := s.cat.packages[p].prev
		if err := s.st.putSnapshot(srv, p, fileVer{true, prev}); err != nil {
			return err
		}
		if err := s.st.putStatusFile(srv, p, statusFile{true, vocab.Invalid, prev}); err != nil {
			return err
		}
	}
	return nil
}

// breakCMDB applies the CMDB-side faults: rows Invalid though a report
// would say Ready, or an extra row naming no package.
func (s *Site) breakCMDB(f faults.Fault, at time.Time) error {
	for _, srv := range f.Servers {
		w := rowWrite{At: at, Server: srv}
		if f.Kind == scenario.BadRow {
			w.BadRow = f.PackageID
			if err := s.rowsOut(w); err != nil {
				return err
			}
			continue
		}
		for _, p := range f.Packages {
			old, err := s.st.row(srv, p)
			if err != nil {
				return err
			}
			w.Rows = append(w.Rows, rowPut{p, row{Status: vocab.Invalid, Version: old.Version}})
		}
		if err := s.rowsOut(w); err != nil {
			return err
		}
	}
	return nil
}

// downloadEnd finishes a download: the packages get the current snapshot,
// their local status turns Ready, and the PS reports those packages only.
func (s *Site) downloadEnd(f faults.Fault, at time.Time) error {
	for _, srv := range f.Servers {
		a, err := s.st.agent(srv)
		if err != nil {
			return err
		}
		a = a.clone()
		a.Downloading = slices.DeleteFunc(a.Downloading, func(p int) bool {
			_, hit := slices.BinarySearch(f.Packages, p)
			return hit
		})
		if err := s.st.putAgent(srv, a); err != nil {
			return err
		}
		for _, p := range f.Packages {
			if err := s.st.putSnapshot(srv, p, fileVer{true, s.cat.packages[p].version}); err != nil {
				return err
			}
		}
		if err := s.report(at, srv, f.Packages); err != nil {
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
