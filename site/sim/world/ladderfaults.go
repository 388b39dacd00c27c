package world

import (
	"slices"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/site/sim/faults"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

// PairKey names one pair of the site by index.
type PairKey struct{ Server, Package int }

// TryKey names one remedy kind on one server.
type TryKey struct {
	Server int
	Kind   actions.Kind
}

// active returns the fault of kind that holds server srv at time at.
func (w *World) active(kind string, srv int, at time.Time) (faults.Fault, bool) {
	off := at.Sub(w.Meta.Epoch)
	for _, f := range w.Meta.Faults {
		if f.Kind != kind || off < f.From || (f.End > f.From && off >= f.End) {
			continue
		}
		if _, hit := slices.BinarySearch(f.Servers, srv); hit {
			return f, true
		}
	}
	return faults.Fault{}, false
}

// trustBroken reports whether server srv's domain trust is broken at at
// (trust_broken): every report it makes fails with 1789, and nothing any
// action does fixes that.
func (w *World) trustBroken(srv int, at time.Time) bool {
	_, ok := w.active(scenario.TrustBroken, srv, at)
	return ok
}

// credentialLocked reports whether server srv's Agent Connectivity
// Credential account is locked out at at (credential_locked): every
// report it makes is refused, and nothing any action does fixes that.
func (w *World) credentialLocked(srv int, at time.Time) bool {
	_, ok := w.active(scenario.CredentialLocked, srv, at)
	return ok
}

// reportFails reports whether server srv's reports of package p fail at
// at (status_report_fails): they do until Procedure 2 clears the
// server's files of the package (its snapshot.xml deleted).
func (w *World) reportFails(srv, p int, at time.Time) bool {
	f, ok := w.active(scenario.StatusReportFails, srv, at)
	if !ok || w.Meta.Cleared[PairKey{srv, p}] {
		return false
	}
	_, hit := slices.BinarySearch(f.Packages, p)
	return hit
}

// failing lists, sorted, the packages of server srv whose reports fail
// at at (status_report_fails, not cleared yet).
func (w *World) failing(srv int, at time.Time) []int {
	var out []int
	off := at.Sub(w.Meta.Epoch)
	for _, f := range w.Meta.Faults {
		if f.Kind != scenario.StatusReportFails || off < f.From || (f.End > f.From && off >= f.End) {
			continue
		}
		if _, hit := slices.BinarySearch(f.Servers, srv); !hit {
			continue
		}
		for _, p := range f.Packages {
			if !w.Meta.Cleared[PairKey{srv, p}] {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// FirstFails reports whether applying remedy k to server srv at at is
// the first application on a remedy_fails_once server, which has no
// effect; it records the application either way.
func (w *World) FirstFails(srv int, k actions.Kind, at time.Time) bool {
	if _, ok := w.active(scenario.RemedyFailsOnce, srv, at); !ok {
		return false
	}
	key := TryKey{srv, k}
	if w.Meta.Tried[key] {
		return false
	}
	if w.Meta.Tried == nil {
		w.Meta.Tried = map[TryKey]bool{}
	}
	w.Meta.Tried[key] = true
	return true
}

// clear records that server srv's files of package p were cleared (its
// snapshot.xml deleted), which ends a status_report_fails on them.
func (w *World) clear(srv, p int) {
	if w.Meta.Cleared == nil {
		w.Meta.Cleared = map[PairKey]bool{}
	}
	w.Meta.Cleared[PairKey{srv, p}] = true
}
