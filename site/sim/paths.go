package sim

import (
	"fmt"
	"path"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// Paths of the disk site, relative to its folder, with forward slashes.
// The memory store builds the same strings for its would-be files, so
// that both stores check, refuse and count alike.
const (
	siteFile       = "site.json"
	cmdbFile       = "cmdb.sqlite"
	lockFile       = ".site.lock"
	nsSettingsFile = "ns/settings.json"
	nsSnapshotsDir = "ns/ProgramData/Symantec/SMP/Snapshots"
	serversDir     = "servers"
	agentRoot      = "ProgramData/Symantec/Symantec Agent"
	deliveryDir    = agentRoot + "/Package Delivery"
	statusDir      = agentRoot + "/Package Server Agent/PackageStatus"
	agentLog       = agentRoot + "/Logs/agent.log"
)

// fileOp is what a file operation does.
type fileOp uint8

const (
	opRead fileOp = iota
	opWrite
	opDelete
)

func (o fileOp) String() string {
	return [...]string{"read", "write", "delete"}[o]
}

// The would-be paths of the site's files. Arguments are raw strings on
// purpose: a malformed target builds a malformed path, which the guard
// then refuses and counts.
func pathNSSnapshot(pkg string) string { return nsSnapshotsDir + "/{" + pkg + "}.xml" }

func pathSnapshot(server, pkg string) string {
	return serversDir + "/" + server + "/" + deliveryDir + "/{" + pkg + "}/snapshot.xml"
}

func pathStatus(server, pkg string) string {
	return serversDir + "/" + server + "/" + statusDir + "/{" + pkg + "}/PackageStatus.xml"
}

func pathAgentJSON(server string) string { return serversDir + "/" + server + "/agent.json" }

func pathAgentLog(server string) string { return serversDir + "/" + server + "/" + agentLog }

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
	{split(nsSettingsFile), false},
	{split(siteFile), false},
	{split(cmdbFile), false},
	{split(lockFile), false},
}

func split(p string) []string { return strings.Split(p, "/") }

// checkPath reports whether op on rel is inside the allowed set. It is
// the one check every file operation of the site goes through.
func checkPath(op fileOp, rel string) error {
	if rel == "" || strings.ContainsAny(rel, "\\\x00") || path.Clean(rel) != rel || strings.HasPrefix(rel, "/") {
		return fmt.Errorf("%s %q refused", op, vocab.Clip(rel))
	}
	segs := strings.Split(rel, "/")
	for _, r := range allowed {
		if (op != opDelete || r.deletable) && matches(r.pattern, segs) {
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
