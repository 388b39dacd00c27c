// Package layout is the simulated site's file tree and its one guard: the
// paths of every file a site holds (as on Windows, relative to the site
// folder, with forward slashes) and Check, which every file operation of
// either store passes before it touches a file (DESIGN §6: the snapshot and
// status files may be deleted, the sim's own files read and written,
// nothing else touched).
//
// The disk store lays these files out; the memory store keeps none but
// builds the same would-be paths and checks them the same way, so that
// both refuse and count alike. Counting is the caller's: Check only says
// no.
package layout

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// The site's own files, relative to its folder.
const (
	// SiteFile is the sim's bookkeeping (see package disk).
	SiteFile = "site.json"
	// CMDBFile is the SQLite CMDB.
	CMDBFile = "cmdb.sqlite"
	// LockFile is the file lock every operation of a disk site holds.
	LockFile = ".site.lock"
	// NSSettingsFile is the NS credential setting and policy version.
	NSSettingsFile = "ns/settings.json"
)

// The folders of the tree.
const (
	nsSnapshotsDir = "ns/ProgramData/Symantec/SMP/Snapshots"
	serversDir     = "servers"
	agentRoot      = "ProgramData/Symantec/Symantec Agent"
	deliveryDir    = agentRoot + "/Package Delivery"
	statusDir      = agentRoot + "/Package Server Agent/PackageStatus"
	agentLog       = agentRoot + "/Logs/agent.log"
)

// Op is what a file operation does.
type Op uint8

// The file operations.
const (
	Read Op = iota
	Write
	Delete
)

// String names the operation in a refusal.
func (o Op) String() string {
	return [...]string{"read", "write", "delete"}[o]
}

// ErrUnsafePath is what a refused file operation wraps: it would touch a
// file outside the allowed set, or leave the site folder.
var ErrUnsafePath = errors.New("unsafe path")

// The would-be paths of the site's files. Arguments are raw strings on
// purpose: a malformed target builds a malformed path, which the guard
// then refuses (and the caller counts).

// NSSnapshot is the NS snapshot file of a package: {GUID}.xml.
func NSSnapshot(pkg string) string { return nsSnapshotsDir + "/{" + pkg + "}.xml" }

// Snapshot is a package server's snapshot.xml of a package.
func Snapshot(server, pkg string) string {
	return serversDir + "/" + server + "/" + deliveryDir + "/{" + pkg + "}/snapshot.xml"
}

// Status is a package server's PackageStatus.xml of a package.
func Status(server, pkg string) string {
	return serversDir + "/" + server + "/" + statusDir + "/{" + pkg + "}/PackageStatus.xml"
}

// AgentJSON is the sim's record of what Windows holds on a package server.
func AgentJSON(server string) string { return serversDir + "/" + server + "/agent.json" }

// AgentLog is a package server's agent.log.
func AgentLog(server string) string { return serversDir + "/" + server + "/" + agentLog }

// A pattern is a path with placeholders: hostSeg for a server name,
// guidSeg for a braced canonical GUID folder, guidXML for "{GUID}.xml".
const (
	hostSeg = "\x00host"
	guidSeg = "\x00guid"
	guidXML = "\x00guid.xml"
)

type pathRule struct {
	pattern   []string
	deletable bool // deletes allowed; reads and writes always are
}

// allowed is the set of files the sim may touch (DESIGN §6): the KB's
// snapshot and status files, which may be deleted, and the sim's own
// bookkeeping, which may be read and written but never deleted.
var allowed = []pathRule{
	{split(nsSnapshotsDir + "/" + guidXML), true},
	{split(serversDir + "/" + hostSeg + "/" + deliveryDir + "/" + guidSeg + "/snapshot.xml"), true},
	{split(serversDir + "/" + hostSeg + "/" + statusDir + "/" + guidSeg + "/PackageStatus.xml"), true},
	{split(serversDir + "/" + hostSeg + "/agent.json"), false},
	{split(serversDir + "/" + hostSeg + "/" + agentLog), false},
	{split(NSSettingsFile), false},
	{split(SiteFile), false},
	{split(CMDBFile), false},
	{split(LockFile), false},
}

func split(p string) []string { return strings.Split(p, "/") }

// Check reports whether op on rel is inside the allowed set. It is the
// one check every file operation of the site goes through.
func Check(op Op, rel string) error {
	if rel == "" || strings.ContainsAny(rel, "\\\x00") || path.Clean(rel) != rel || strings.HasPrefix(rel, "/") {
		return fmt.Errorf("%s %q refused", op, vocab.Clip(rel))
	}
	segs := strings.Split(rel, "/")
	for _, r := range allowed {
		if (op != Delete || r.deletable) && matches(r.pattern, segs) {
			return nil
		}
	}
	return fmt.Errorf("%s %q refused", op, vocab.Clip(rel))
}

func matches(pattern, segs []string) bool {
	if len(pattern) != len(segs) {
		return false
	}
	for i, p := range pattern {
		s := segs[i]
		var ok bool
		switch p {
		case hostSeg:
			_, err := vocab.ParseHost(s)
			ok = err == nil
		case guidSeg:
			ok = isBracedGUID(s)
		case guidXML:
			ok = strings.HasSuffix(s, ".xml") && isBracedGUID(strings.TrimSuffix(s, ".xml"))
		default:
			ok = s == p
		}
		if !ok {
			return false
		}
	}
	return true
}

// isBracedGUID reports whether s is "{guid}" with a canonical GUID.
func isBracedGUID(s string) bool {
	if len(s) != 38 || s[0] != '{' || s[37] != '}' {
		return false
	}
	return vocab.GUID(s[1:37]).Valid()
}

// Escaped is the refusal of an operation that a symbolic link would lead
// out of the site folder.
func Escaped(op Op, rel string) error {
	return fmt.Errorf("%w: %s %q refused: a symbolic link leads out of the site folder", ErrUnsafePath, op, vocab.Clip(rel))
}
