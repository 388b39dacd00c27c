package sim

import (
	"slices"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// report is a package server's package status report at time at (DESIGN
// §6 resend_status), for the given packages or, when only is nil, for
// every package. Its rows reach the CMDB now, or when the CMDB comes back.
func (s *Site) report(at time.Time, srv int, only []int) error {
	ns, err := s.st.ns()
	if err != nil {
		return err
	}
	a, err := s.st.agent(srv)
	if err != nil {
		return err
	}
	if !credentialOK(ns, a) {
		return s.refusedReport(at, srv, only)
	}
	w := rowWrite{At: at, Server: srv}
	pkgs := only
	if only == nil {
		// Packages not among the candidates are healthy: they report
		// Ready at the package version, which RestReady says at once.
		c, err := s.st.candidates(srv)
		if err != nil {
			return err
		}
		pkgs = union(c, a.Downloading)
		w.RestReady = true
	}
	for _, p := range pkgs {
		r, err := s.reportOne(srv, p, a)
		if err != nil {
			return err
		}
		w.Rows = append(w.Rows, rowPut{p, r})
	}
	if err := s.st.appendLog(srv, []logEvent{{at, logSent}}); err != nil {
		return err
	}
	return s.rowsOut(w)
}

// credentialOK is the check a report passes before the NS accepts it:
// the PS applied the NS setting and, for appid and acc, the account has
// Full Control on Package Delivery.
func credentialOK(ns nsSetting, a agentRec) bool {
	if !a.Applied.Equal(ns.Cred) {
		return false
	}
	return !ns.Cred.Mode.NeedsAccount() || hasPrincipal(a.FullControl, ns.Cred.Account)
}

// reportOne is what the PS reports for one package, and records it in
// the package's PackageStatus.xml.
func (s *Site) reportOne(srv, p int, a agentRec) (row, error) {
	old, err := s.st.row(srv, p)
	if err != nil {
		return row{}, err
	}
	snap, err := s.st.snapshot(srv, p)
	if err != nil {
		return row{}, err
	}
	file, err := s.st.statusFile(srv, p)
	if err != nil {
		return row{}, err
	}
	r := s.rule(p, a.downloading(p), old, snap, file)
	next := statusFile{Present: true, Status: r.Status, Version: r.Version}
	if next != file {
		if err := s.st.putStatusFile(srv, p, next); err != nil {
			return row{}, err
		}
	}
	return r, nil
}

// rule is DESIGN §6's status of one package in a report that the NS
// accepts. Ready rows carry the package version; Invalid rows the local
// snapshot version if there is one, else the version last reported;
// Pending rows keep their version.
func (s *Site) rule(p int, downloading bool, old row, snap fileVer, file statusFile) row {
	version := s.cat.packages[p].version
	invalid := func() row {
		if snap.Present {
			return row{Status: vocab.Invalid, Version: snap.Version}
		}
		return row{Status: vocab.Invalid, Version: old.Version}
	}
	switch {
	case downloading:
		return row{Status: vocab.Pending, Version: old.Version}
	case file.Present && file.Status == vocab.Invalid:
		return invalid()
	case !snap.Present || snap.Version != version:
		return invalid()
	}
	return row{Status: vocab.Ready, Version: version}
}

// refusedReport is a report the NS refuses because the PS's credential is
// wrong: every row it covers turns Invalid with the 1789 error, agent.log
// gets the KB's two errors, and the PackageStatus.xml files stay as they
// were.
func (s *Site) refusedReport(at time.Time, srv int, only []int) error {
	pkgs := only
	if pkgs == nil {
		pkgs = allIndices(len(s.cat.packages))
	}
	w := rowWrite{At: at, Server: srv, Rows: make([]rowPut, 0, len(pkgs))}
	for _, p := range pkgs {
		old, err := s.st.row(srv, p)
		if err != nil {
			return err
		}
		snap, err := s.st.snapshot(srv, p)
		if err != nil {
			return err
		}
		v := old.Version
		if snap.Present {
			v = snap.Version
		}
		w.Rows = append(w.Rows, rowPut{p, row{Status: vocab.Invalid, Version: v, TrustErr: true}})
	}
	evs := []logEvent{{at, logAccessDenied}, {at, logTrust}}
	if err := s.st.appendLog(srv, evs); err != nil {
		return err
	}
	return s.rowsOut(w)
}

// union merges two sorted index lists.
func union(a, b []int) []int {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

func allIndices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
