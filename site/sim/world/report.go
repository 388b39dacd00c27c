package world

import (
	"slices"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// Report is resend_status (DESIGN §6): server srv reports the status of
// every package at time at. Its rows reach the CMDB now, or when the CMDB
// comes back.
func (w *World) Report(at time.Time, srv int) error { return w.report(at, srv, nil) }

// report is a package server's package status report at time at (DESIGN
// §6 resend_status), for the given packages or, when only is nil, for
// every package. Its rows reach the CMDB now, or when the CMDB comes back.
func (w *World) report(at time.Time, srv int, only []int) error {
	ns, err := w.Store.NS()
	if err != nil {
		return err
	}
	a, err := w.Store.Agent(srv)
	if err != nil {
		return err
	}
	switch {
	case w.credentialLocked(srv, at):
		return w.refusedReport(at, srv, only, false, LogAccessDenied, LogLocked)
	case !credentialOK(ns, a) || w.trustBroken(srv, at):
		return w.refusedReport(at, srv, only, true, LogAccessDenied, LogTrust)
	}
	rw := RowWrite{At: at, Server: srv}
	pkgs := only
	if only == nil {
		// Packages not among the candidates are healthy: they report
		// Ready at the package version, which RestReady says at once.
		c, err := w.Store.Candidates(srv)
		if err != nil {
			return err
		}
		// A package whose reports fail (status_report_fails) is reported
		// too, though its files look healthy: every failing package shows.
		pkgs = union(union(c, a.Downloading), w.failing(srv, at))
		rw.RestReady = true
	}
	for _, p := range pkgs {
		r, err := w.reportOne(srv, p, a, at)
		if err != nil {
			return err
		}
		rw.Rows = append(rw.Rows, RowPut{P: p, Row: r})
	}
	if err := w.Store.AppendLog(srv, []LogEvent{{At: at, Kind: LogSent}}); err != nil {
		return err
	}
	return w.rowsOut(rw)
}

// credentialOK is the check a report passes before the NS accepts it:
// the PS applied the NS setting and, for appid and acc, the account has
// Full Control on Package Delivery.
func credentialOK(ns NSSetting, a AgentRec) bool {
	if !a.Applied.Equal(ns.Cred) {
		return false
	}
	return !ns.Cred.Mode.NeedsAccount() || HasPrincipal(a.FullControl, ns.Cred.Account)
}

// reportOne is what the PS reports for one package, and records it in
// the package's PackageStatus.xml.
func (w *World) reportOne(srv, p int, a AgentRec, at time.Time) (Row, error) {
	old, err := w.Store.Row(srv, p)
	if err != nil {
		return Row{}, err
	}
	snap, err := w.Store.Snapshot(srv, p)
	if err != nil {
		return Row{}, err
	}
	file, err := w.Store.StatusFile(srv, p)
	if err != nil {
		return Row{}, err
	}
	r := w.rule(p, a.IsDownloading(p), old, snap, file)
	if r.Status == vocab.Ready && w.reportFails(srv, p, at) {
		r = Row{Status: vocab.Invalid, Version: r.Version}
	}
	next := StatusFile{Present: true, Status: r.Status, Version: r.Version}
	if next != file {
		if err := w.Store.PutStatusFile(srv, p, next); err != nil {
			return Row{}, err
		}
	}
	return r, nil
}

// rule is DESIGN §6's status of one package in a report that the NS
// accepts. Ready rows carry the package version; Invalid rows the local
// snapshot version if there is one, else the version last reported;
// Pending rows keep their version.
func (w *World) rule(p int, downloading bool, old Row, snap FileVer, file StatusFile) Row {
	version := w.Cat.Packages[p].Version
	invalid := func() Row {
		if snap.Present {
			return Row{Status: vocab.Invalid, Version: snap.Version}
		}
		return Row{Status: vocab.Invalid, Version: old.Version}
	}
	switch {
	case downloading:
		return Row{Status: vocab.Pending, Version: old.Version}
	case file.Present && file.Status == vocab.Invalid:
		return invalid()
	case !snap.Present || snap.Version != version:
		return invalid()
	}
	return Row{Status: vocab.Ready, Version: version}
}

// refusedReport is a report the NS refuses because the PS's credential is
// wrong or cannot log on: every row it covers turns Invalid (with the
// 1789 error when trust is set), agent.log gets the errors logged, and
// the PackageStatus.xml files stay as they were.
func (w *World) refusedReport(at time.Time, srv int, only []int, trust bool, logged ...LogKind) error {
	pkgs := only
	if pkgs == nil {
		pkgs = allIndices(len(w.Cat.Packages))
	}
	rw := RowWrite{At: at, Server: srv, Rows: make([]RowPut, 0, len(pkgs))}
	for _, p := range pkgs {
		old, err := w.Store.Row(srv, p)
		if err != nil {
			return err
		}
		snap, err := w.Store.Snapshot(srv, p)
		if err != nil {
			return err
		}
		v := old.Version
		if snap.Present {
			v = snap.Version
		}
		rw.Rows = append(rw.Rows, RowPut{P: p, Row: Row{Status: vocab.Invalid, Version: v, TrustErr: trust}})
	}
	evs := make([]LogEvent, len(logged))
	for i, k := range logged {
		evs[i] = LogEvent{At: at, Kind: k}
	}
	if err := w.Store.AppendLog(srv, evs); err != nil {
		return err
	}
	return w.rowsOut(rw)
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
