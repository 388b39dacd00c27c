package observed

import (
	"cmp"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// Reasons for keeping a row or an answer out of the observation.
const (
	reasonServerNotInVItem   = "server not in vItem"
	reasonPackageUnknown     = "package not in SWDPackage"
	reasonEmptyStatus        = "empty status"
	reasonDuplicatePair      = "duplicate row for this server and package"
	reasonDuplicateServer    = "duplicate server name"
	reasonPackageNotAsked    = "agent answered for a package not asked"
	reasonOtherServer        = "agent answered for another server"
	reasonDuplicateAnswer    = "duplicate answer for this package"
	reasonSnapshotNotAsked   = "NS answered for a package not asked"
	reasonMalformedAgentHost = "not a host name"
)

// rowParser is parseRow remembering how it parsed each server, package id
// and status: a read holds tens of thousands of rows naming a few thousand
// of each. The zero value is ready.
//
// It also collects what the rows say about each package and server
// (identities), for the conflicts the read reports.
type rowParser struct {
	servers  map[[2]string]parsedServer // (ServerID, ServerName)
	packages map[string]parsedGUID
	statuses map[string]parsedStatus
	ids      identities
}

type parsedStatus struct {
	status vocab.Status
	reason string
}

type parsedServer struct {
	id     vocab.GUID
	host   vocab.Host
	reason string
}

type parsedGUID struct {
	id     vocab.GUID
	reason string
	facts  int // index of the package's facts in identities, shared by every spelling of the id
	// name and version are the last package name and version checked
	// and found valid for this id: every row of a package repeats them.
	name, version string
}

// parse is parseRow(r).
func (rp *rowParser) parse(r RawRow) (Pair, string) {
	if rp.servers == nil {
		rp.servers = map[[2]string]parsedServer{}
		rp.packages = map[string]parsedGUID{}
		rp.statuses = map[string]parsedStatus{}
	}
	srv, ok := rp.servers[[2]string{r.ServerID, r.ServerName}]
	if !ok {
		srv = parseServerOf(r)
		rp.servers[[2]string{r.ServerID, r.ServerName}] = srv
		if srv.reason == "" {
			rp.ids.noteServer(srv.id, srv.host)
		}
	}
	if srv.reason != "" {
		return Pair{}, srv.reason
	}
	pkg, ok := rp.packages[r.PackageID]
	if !ok {
		g, err := vocab.ParseGUID(r.PackageID)
		pkg = parsedGUID{id: g}
		if err != nil {
			pkg.reason = "package id: " + err.Error()
		} else {
			pkg.facts = rp.ids.packageFacts(g)
		}
		rp.packages[r.PackageID] = pkg
	}
	if pkg.reason != "" {
		return Pair{}, pkg.reason
	}
	if !r.PackageKnown {
		return Pair{}, reasonPackageUnknown
	}
	st, ok := rp.statuses[r.Status]
	if !ok {
		st.status, st.reason = checkStatus(r.Status)
		rp.statuses[r.Status] = st
	}
	if st.reason != "" {
		return Pair{}, st.reason
	}
	if reason := rp.checkText(r, pkg); reason != "" {
		return Pair{}, reason
	}
	rp.ids.facts[pkg.facts].note(r.PackageName, r.PackageVersion)
	return Pair{
		Server:         srv.host,
		ServerID:       srv.id,
		Package:        pkg.id,
		PackageName:    vocab.Clip(r.PackageName),
		Status:         st.status,
		Version:        r.Version,
		PackageVersion: r.PackageVersion,
	}, ""
}

// checkText is checkRowText(r), skipping the package's name and version
// when they are the ones last found valid for its id.
func (rp *rowParser) checkText(r RawRow, pkg parsedGUID) string {
	if r.PackageName != pkg.name || r.PackageVersion != pkg.version {
		if reason := checkPackageName(r.PackageName); reason != "" {
			return reason
		}
		if reason := checkVersion("package version", r.PackageVersion); reason != "" {
			return reason
		}
		pkg.name, pkg.version = r.PackageName, r.PackageVersion
		rp.packages[r.PackageID] = pkg
	}
	if r.Version == r.PackageVersion {
		return ""
	}
	return checkVersion("version", r.Version)
}

// parseServerOf checks a row's server as parseRow does.
func parseServerOf(r RawRow) parsedServer {
	sid, err := vocab.ParseGUID(r.ServerID)
	if err != nil {
		return parsedServer{reason: "server id: " + err.Error()}
	}
	if r.ServerName == "" {
		return parsedServer{reason: reasonServerNotInVItem}
	}
	host, err := vocab.ParseHost(r.ServerName)
	if err != nil {
		return parsedServer{reason: "server name: " + err.Error()}
	}
	return parsedServer{id: sid, host: host}
}

// healthy reports whether a pair meets the desired state and so is not in
// question. The CMDB query never yields such rows; this guards against a
// driver that does.
func healthy(p Pair) bool {
	return p.Status == vocab.Ready && p.Version == p.PackageVersion
}

func rowReject(r RawRow, reason string) Reject {
	return Reject{
		ServerID:  vocab.Clip(r.ServerID),
		Server:    vocab.Clip(r.ServerName),
		PackageID: vocab.Clip(r.PackageID),
		Reason:    reason,
	}
}

// parseServers validates the CMDB's server list. Status names in counts
// are normalised and counts under one name merged. A name listed under
// two server ids, or an id listed under two names, is a conflict: its
// servers are left out of the list, and blocked names (hostKey) holds
// every name a conflict names, for the caller to leave their pairs out too.
func parseServers(raw []RawServer) (keep []Server, rejects []Reject, conflicts []Conflict, blocked map[string]bool) {
	var out []Server
	var ids identities
	for _, r := range raw {
		s, reason := parseServer(r)
		if reason != "" {
			rejects = append(rejects, Reject{ServerID: vocab.Clip(r.ID), Server: vocab.Clip(r.Name), Reason: reason})
			continue
		}
		ids.noteServer(s.ID, s.Name)
		out = append(out, s)
	}
	conflicts, _, blocked = ids.conflicts()
	slices.SortFunc(out, func(a, b Server) int {
		return cmp.Or(compareHost(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	for i, s := range out {
		switch {
		case blocked[hostKey(s.Name)]:
		case i > 0 && hostKey(s.Name) == hostKey(out[i-1].Name):
			// the same server under two spellings of its name
			rejects = append(rejects, Reject{ServerID: string(s.ID), Server: string(s.Name), Reason: reasonDuplicateServer})
		default:
			keep = append(keep, s)
		}
	}
	return keep, rejects, conflicts, blocked
}

func parseServer(r RawServer) (Server, string) {
	id, err := vocab.ParseGUID(r.ID)
	if err != nil {
		return Server{}, "server id: " + err.Error()
	}
	if r.Name == "" {
		return Server{}, reasonServerNotInVItem
	}
	name, err := vocab.ParseHost(r.Name)
	if err != nil {
		return Server{}, "server name: " + err.Error()
	}
	counts := make(map[string]int, len(r.Counts))
	for k, n := range r.Counts {
		counts[vocab.Clip(string(vocab.NormalizeStatus(k)))] += n
	}
	return Server{ID: id, Name: name, Counts: counts}, ""
}

// checkFacts validates an agent's answer for server about the packages
// asked. An answer about another server is refused as a whole (the error);
// package entries that are malformed, not asked, for another server or
// repeated are dropped and returned as rejects. Free text is clipped;
// versions are kept whole, since the planner compares them.
func checkFacts(server vocab.Host, asked []vocab.GUID, f AgentFacts) (AgentFacts, []Reject, string) {
	if f.Server != "" && !strings.EqualFold(string(f.Server), string(server)) {
		return AgentFacts{}, nil, "answer is about server " + quoteClip(string(f.Server))
	}
	asked = sortedSet(asked)
	out := f
	out.Server = server
	out.Applied = vocab.Credential{
		Mode:    vocab.Mode(vocab.Clip(string(f.Applied.Mode))),
		Account: vocab.Clip(f.Applied.Account),
	}
	out.AppliedUnknown = vocab.Clip(f.AppliedUnknown)
	out.PolicyVersionUnknown = vocab.Clip(f.PolicyVersionUnknown)
	out.Evidence = checkEvidence(f.Evidence)
	out.FullControl = clipAll(f.FullControl)
	out.LogSignatures = clipAll(f.LogSignatures)
	out.Packages = nil
	if len(f.Packages) > 0 {
		out.Packages = make([]PackageFiles, 0, min(len(f.Packages), len(asked)))
	}
	var rejects []Reject
	var seen []bool // by position in asked
	for _, pf := range f.Packages {
		c, reason := checkFiles(server, asked, pf)
		var at int
		if reason == "" {
			at, _ = slices.BinarySearch(asked, c.Package)
			if seen == nil {
				seen = make([]bool, len(asked))
			}
			if seen[at] {
				reason = reasonDuplicateAnswer
			}
		}
		if reason != "" {
			rejects = append(rejects, Reject{Server: string(server), PackageID: vocab.Clip(string(pf.Package)), Reason: reason})
			continue
		}
		seen[at] = true
		out.Packages = append(out.Packages, c)
	}
	slices.SortFunc(out.Packages, func(a, b PackageFiles) int { return cmp.Compare(a.Package, b.Package) })
	return out, rejects, ""
}

func checkFiles(server vocab.Host, asked []vocab.GUID, pf PackageFiles) (PackageFiles, string) {
	pkg, err := vocab.ParseGUID(string(pf.Package))
	if err != nil {
		return PackageFiles{}, "agent answer: " + err.Error()
	}
	if !inSet(asked, pkg) {
		return PackageFiles{}, reasonPackageNotAsked
	}
	if pf.Server != "" && !strings.EqualFold(string(pf.Server), string(server)) {
		return PackageFiles{}, reasonOtherServer
	}
	pf.Server = server
	pf.Package = pkg
	pf.StatusRecorded = vocab.Status(vocab.Clip(string(vocab.NormalizeStatus(string(pf.StatusRecorded)))))
	pf.Local = vocab.LocalStatus(vocab.Clip(string(pf.Local)))
	return pf, ""
}

// checkSnapshots validates the NS's answer about the packages asked.
func checkSnapshots(asked []vocab.GUID, ss []Snapshot) ([]Snapshot, []Reject) {
	asked = sortedSet(asked)
	var out []Snapshot
	var rejects []Reject
	seen := map[vocab.GUID]bool{}
	for _, s := range ss {
		pkg, err := vocab.ParseGUID(string(s.Package))
		reason := ""
		switch {
		case err != nil:
			reason = "NS snapshot: " + err.Error()
		case !inSet(asked, pkg):
			reason = reasonSnapshotNotAsked
		case seen[pkg]:
			reason = reasonDuplicateAnswer
		}
		if reason != "" {
			rejects = append(rejects, Reject{PackageID: vocab.Clip(string(s.Package)), Reason: reason})
			continue
		}
		seen[pkg] = true
		out = append(out, Snapshot{Package: pkg, Present: s.Present, Version: s.Version})
	}
	return out, rejects
}

// sortedSet returns gs sorted (gs itself when it is): a set to search.
func sortedSet(gs []vocab.GUID) []vocab.GUID {
	if slices.IsSorted(gs) {
		return gs
	}
	return slices.Sorted(slices.Values(gs))
}

// inSet reports whether g is in the sorted set.
func inSet(set []vocab.GUID, g vocab.GUID) bool {
	_, ok := slices.BinarySearch(set, g)
	return ok
}

// checkEvidence keeps counts a driver could have made: never negative, and
// bare folders never more than the folders read.
func checkEvidence(e CredentialEvidence) CredentialEvidence {
	e.FoldersRead = max(e.FoldersRead, 0)
	e.BareFolders = min(max(e.BareFolders, 0), e.FoldersRead)
	e.TrustErrors = max(e.TrustErrors, 0)
	return e
}

func clipAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = vocab.Clip(s)
	}
	return out
}

func quoteClip(s string) string { return `"` + vocab.Clip(s) + `"` }
