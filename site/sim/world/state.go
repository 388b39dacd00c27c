package world

import (
	"maps"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/site/sim/faults"
	"github.com/itms-tools/reconciler/vocab"
)

// NSSetting is the NS side of the credential flow: the Package Service
// credential setting and the policy version.
type NSSetting struct {
	Cred    vocab.Credential
	Version int64
}

// FileVer is a snapshot file ({GUID}.xml on the NS, snapshot.xml on a PS):
// present with a version, or absent.
type FileVer struct {
	Present bool
	Version string
}

// StatusFile is a PackageStatus.xml: present with the status and version
// last reported, or absent.
type StatusFile struct {
	Present bool
	Status  vocab.Status
	Version string
}

// AgentRec is what Windows holds on a package server: the applied
// credential, the policy version received, the principals with Full
// Control on Package Delivery, and the packages downloading.
type AgentRec struct {
	Applied     vocab.Credential
	Received    int64
	FullControl []string
	Downloading []int // sorted package indices
}

// Clone returns a copy that shares no slice with a.
func (a AgentRec) Clone() AgentRec {
	a.FullControl = slices.Clone(a.FullControl)
	a.Downloading = slices.Clone(a.Downloading)
	return a
}

// IsDownloading reports whether package p is downloading.
func (a AgentRec) IsDownloading(p int) bool {
	_, ok := slices.BinarySearch(a.Downloading, p)
	return ok
}

// Row is the SWDPackageServer row of one pair. TrustErr marks the error
// text of a report refused for the credential (KB 179719's 1789).
type Row struct {
	Status   vocab.Status
	Version  string
	TrustErr bool
}

// RowPut is one row a report or a fault sets.
type RowPut struct {
	P   int
	Row Row
}

// RowWrite is one batch of row changes on one server: delivered to the
// CMDB at once, or queued while the CMDB is down.
type RowWrite struct {
	At     time.Time
	Server int
	Rows   []RowPut
	// RestReady sets every other pair of the server Ready with the
	// package version (a report whose other packages are all healthy).
	RestReady bool
	// BadRow, when set, adds an extra row with this PackageId.
	BadRow string
}

// Meta is the sim's bookkeeping: what no Windows file or CMDB table
// holds. The disk store keeps it in site.json.
type Meta struct {
	Scenario string
	Seed     int64
	Epoch    time.Time
	Duration time.Duration
	Faults   []faults.Fault
	Done     int        // scheduled events processed
	Queue    []RowWrite // reports made while the CMDB was down, in order
	Unsafe   int        // file operations refused (DESIGN §6)
	Stuck    map[int]bool
	Applied  map[actions.Kind]int // successful actions by kind
	// Cleared lists the pairs whose files Procedure 2 cleared (their
	// status_report_fails is over); Tried the remedy kinds applied once to
	// a remedy_fails_once server.
	Cleared map[PairKey]bool
	Tried   map[TryKey]bool
}

// Clone returns a deep copy (the resolved faults, immutable, are shared).
func (m *Meta) Clone() *Meta {
	c := *m
	c.Faults = slices.Clone(m.Faults) // resolved faults are immutable
	c.Queue = make([]RowWrite, len(m.Queue))
	for i, w := range m.Queue {
		w.Rows = slices.Clone(w.Rows)
		c.Queue[i] = w
	}
	c.Stuck = make(map[int]bool, len(m.Stuck))
	for k, v := range m.Stuck {
		c.Stuck[k] = v
	}
	c.Cleared = maps.Clone(m.Cleared)
	c.Tried = maps.Clone(m.Tried)
	c.Applied = make(map[actions.Kind]int, len(m.Applied))
	for k, v := range m.Applied {
		c.Applied[k] = v
	}
	return &c
}
