package sim

import (
	"context"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim/faults"
	"github.com/itms-tools/reconciler/vocab"
)

// nsSetting is the NS side of the credential flow.
type nsSetting struct {
	Cred    vocab.Credential
	Version int64
}

// fileVer is a snapshot file ({GUID}.xml on the NS, snapshot.xml on a PS):
// present with a version, or absent.
type fileVer struct {
	Present bool
	Version string
}

// statusFile is a PackageStatus.xml: present with the status and version
// last reported, or absent.
type statusFile struct {
	Present bool
	Status  vocab.Status
	Version string
}

// agentRec is what Windows holds on a package server: the applied
// credential, the policy version received, the principals with Full
// Control on Package Delivery, and the packages downloading.
type agentRec struct {
	Applied     vocab.Credential
	Received    int64
	FullControl []string
	Downloading []int // sorted package indices
}

func (a agentRec) clone() agentRec {
	a.FullControl = slices.Clone(a.FullControl)
	a.Downloading = slices.Clone(a.Downloading)
	return a
}

func (a agentRec) downloading(p int) bool {
	_, ok := slices.BinarySearch(a.Downloading, p)
	return ok
}

// row is the SWDPackageServer row of one pair. TrustErr marks the error
// text of a report refused for the credential (KB 179719's 1789).
type row struct {
	Status   vocab.Status
	Version  string
	TrustErr bool
}

// rowPut is one row a report or a fault sets.
type rowPut struct {
	P   int
	Row row
}

// rowWrite is one batch of row changes on one server: delivered to the
// CMDB at once, or queued while the CMDB is down.
type rowWrite struct {
	At     time.Time
	Server int
	Rows   []rowPut
	// RestReady sets every other pair of the server Ready with the
	// package version (a report whose other packages are all healthy).
	RestReady bool
	// BadRow, when set, adds an extra row with this PackageId.
	BadRow string
}

// logKind is an agent.log event the sim writes.
type logKind uint8

const (
	logOther        logKind = iota // a line the sim did not write
	logSent                        // a package status report went through
	logAccessDenied                // KB 179719: 0x80070005 [Access is denied]
	logTrust                       // KB 179719: trust relationship ... failed(1789)
)

// logEvent is one agent.log event.
type logEvent struct {
	At   time.Time
	Kind logKind
}

// logTailEvents is how many agent.log events an observation reads.
const logTailEvents = 200

// meta is the sim's bookkeeping: what no Windows file or CMDB table holds.
type meta struct {
	Scenario string
	Seed     int64
	Epoch    time.Time
	Duration time.Duration
	Faults   []faults.Fault
	Done     int // scheduled events processed
	Queue    []rowWrite
	Unsafe   int
	Stuck    map[int]bool
	Applied  map[actions.Kind]int
}

func (m *meta) clone() *meta {
	c := *m
	c.Faults = slices.Clone(m.Faults) // plannedFaults are immutable
	c.Queue = make([]rowWrite, len(m.Queue))
	for i, w := range m.Queue {
		w.Rows = slices.Clone(w.Rows)
		c.Queue[i] = w
	}
	c.Stuck = make(map[int]bool, len(m.Stuck))
	for k, v := range m.Stuck {
		c.Stuck[k] = v
	}
	c.Applied = make(map[actions.Kind]int, len(m.Applied))
	for k, v := range m.Applied {
		c.Applied[k] = v
	}
	return &c
}

// store is the site's state as the effects see it. Server (s) and package
// (p) indices are trusted: the Site validated them. The disk and memory
// stores implement it; the effects (effects.go, report.go, faults.go)
// are written once against it.
type store interface {
	// begin and end bracket one operation: the disk store takes its file
	// lock and reloads the bookkeeping, then saves and unlocks.
	begin(ctx context.Context) (*meta, error)
	end(m *meta) error
	close() error

	ns() (nsSetting, error)
	putNS(nsSetting) error
	nsSnapshot(p int) (fileVer, error)
	putNSSnapshot(p int, f fileVer) error

	agent(s int) (agentRec, error)
	putAgent(s int, a agentRec) error
	appendLog(s int, evs []logEvent) error
	logTail(s int) ([]logEvent, error)

	snapshot(s, p int) (fileVer, error)
	putSnapshot(s, p int, f fileVer) error
	statusFile(s, p int) (statusFile, error)
	putStatusFile(s, p int, f statusFile) error
	// candidates lists, sorted, the packages of server s whose files or
	// row may differ from a healthy pair; every other pair is healthy.
	candidates(s int) ([]int, error)
	// absentSnapshots lists, sorted, the packages of s with no snapshot.xml.
	absentSnapshots(s int) ([]int, error)

	row(s, p int) (row, error)
	writeRows(w rowWrite) error
	// notReady counts in-scope valid pairs not Ready at the package version.
	notReady() (int, error)
	inQuestion(ctx context.Context) ([]observed.RawRow, error)
	servers(ctx context.Context) ([]observed.RawServer, error)
}
