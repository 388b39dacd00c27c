package world

import (
	"context"

	"github.com/itms-tools/reconciler/observed"
)

// Store keeps a site's state, as the rules see it. Server (s) and package
// (p) indices are trusted: the driver validated them. The disk store
// (package disk) and the memory store (package memory) implement it; the
// rules of this package are written once against it, and both stores must
// show the same observations after the same operations.
//
// Every Put passes the file's would-be path through the guard the store
// was given (package layout) before it changes anything, and fails
// wrapping layout.ErrUnsafePath when the guard refuses.
type Store interface {
	// Begin and End bracket one operation: the disk store takes its file
	// lock and reloads the bookkeeping, then saves it and unlocks.
	Begin(ctx context.Context) (*Meta, error)
	End(m *Meta) error
	// Close releases the store's files.
	Close() error

	// NS and PutNS are the NS credential setting.
	NS() (NSSetting, error)
	PutNS(NSSetting) error
	// NSSnapshot and PutNSSnapshot are a package's NS snapshot file.
	NSSnapshot(p int) (FileVer, error)
	PutNSSnapshot(p int, f FileVer) error

	// Agent and PutAgent are what Windows holds on server s.
	Agent(s int) (AgentRec, error)
	PutAgent(s int, a AgentRec) error
	// AppendLog appends to server s's agent.log; LogTail reads its last
	// LogTailEvents events.
	AppendLog(s int, evs []LogEvent) error
	LogTail(s int) ([]LogEvent, error)

	// Snapshot, StatusFile and their Puts are a pair's snapshot.xml and
	// PackageStatus.xml.
	Snapshot(s, p int) (FileVer, error)
	PutSnapshot(s, p int, f FileVer) error
	StatusFile(s, p int) (StatusFile, error)
	PutStatusFile(s, p int, f StatusFile) error
	// Candidates lists, sorted, the packages of server s whose files or
	// row may differ from a healthy pair; every other pair is healthy.
	Candidates(s int) ([]int, error)
	// AbsentSnapshots lists, sorted, the packages of s with no snapshot.xml.
	AbsentSnapshots(s int) ([]int, error)

	// Row is a pair's SWDPackageServer row; WriteRows applies a batch.
	Row(s, p int) (Row, error)
	WriteRows(w RowWrite) error
	// NotReady counts in-scope valid pairs not Ready at the package version.
	NotReady() (int, error)
	// InQuestion and Servers answer the CMDB reads of observed.CMDB.
	InQuestion(ctx context.Context) ([]observed.RawRow, error)
	Servers(ctx context.Context) ([]observed.RawServer, error)
}
