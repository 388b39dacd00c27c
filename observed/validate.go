package observed

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/itms-tools/reconciler/vocab"
)

// Bounds on the text of a CMDB row. A pair carries its values into plans,
// log lines and journal records; these bounds keep every record of any
// action far below the journal's record limit (audit.MaxRecordSize, 1 MiB:
// an action's record holds a handful of reasons, each with at most three
// package names, its versions and its status counts). Package and server
// ids are GUIDs and server names host names (at most 253 bytes) already.
const (
	maxPackageNameLen = 1024 // bytes of UTF-8; names are clipped to vocab.Clip's 80 in pairs
	maxStatusLen      = 64   // "Retrying Download" is 17
	maxVersionLen     = 64   // as site/itms checks the versions of snapshot files
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

// parseRow validates one untrusted CMDB row. It returns the pair, or the
// reason the row is rejected.
func parseRow(r RawRow) (Pair, string) {
	sid, err := vocab.ParseGUID(r.ServerID)
	if err != nil {
		return Pair{}, "server id: " + err.Error()
	}
	if r.ServerName == "" {
		return Pair{}, reasonServerNotInVItem
	}
	host, err := vocab.ParseHost(r.ServerName)
	if err != nil {
		return Pair{}, "server name: " + err.Error()
	}
	pkg, err := vocab.ParseGUID(r.PackageID)
	if err != nil {
		return Pair{}, "package id: " + err.Error()
	}
	if !r.PackageKnown {
		return Pair{}, reasonPackageUnknown
	}
	status, reason := checkStatus(r.Status)
	if reason != "" {
		return Pair{}, reason
	}
	if reason := checkRowText(r); reason != "" {
		return Pair{}, reason
	}
	return Pair{
		Server:         host,
		ServerID:       sid,
		Package:        pkg,
		PackageName:    vocab.Clip(r.PackageName),
		Status:         status,
		Version:        r.Version,
		PackageVersion: r.PackageVersion,
	}, ""
}

// checkStatus normalises a row's status, or says why it is refused: empty,
// longer than maxStatusLen, or not printable text.
func checkStatus(raw string) (vocab.Status, string) {
	if len(raw) > maxStatusLen {
		return "", fmt.Sprintf("status: %d bytes, more than %d", len(raw), maxStatusLen)
	}
	if !printable(raw) {
		return "", "status: not printable text"
	}
	status := vocab.NormalizeStatus(raw)
	if status == "" {
		return "", reasonEmptyStatus
	}
	return status, ""
}

// checkRowText checks the free text of a row beside its ids and status:
// the package name and both versions.
func checkRowText(r RawRow) string {
	if reason := checkPackageName(r.PackageName); reason != "" {
		return reason
	}
	if reason := checkVersion("package version", r.PackageVersion); reason != "" {
		return reason
	}
	return checkVersion("version", r.Version)
}

// checkPackageName refuses a package name that is not UTF-8 or longer
// than maxPackageNameLen (a name is clipped for display, but a value that
// size is not a name).
func checkPackageName(name string) string {
	switch {
	case len(name) > maxPackageNameLen:
		return fmt.Sprintf("package name: %d bytes, more than %d", len(name), maxPackageNameLen)
	case !utf8.ValidString(name):
		return "package name: not valid UTF-8"
	}
	return ""
}

// checkVersion refuses a version longer than maxVersionLen or holding
// anything but printable ASCII; an empty version (a NULL column) is kept.
func checkVersion(field, v string) string {
	if len(v) > maxVersionLen {
		return fmt.Sprintf("%s: %d bytes, more than %d", field, len(v), maxVersionLen)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return field + ": not printable ASCII"
		}
	}
	return ""
}

// printable reports whether s is valid UTF-8 of printable runes (spaces
// included, tabs and control characters not).
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return printableRunes(s)
		}
	}
	return true
}

func printableRunes(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

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
	if reason := checkRowText(r); reason != "" {
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

// dedupePairs rejects every pair but one for each (server, package): rows
// whose ids differ only in braces, or two server ids under one name. The
// one kept is the first in a fixed order (server, package, server id,
// status, version), whatever the order of the rows; the others keep
// theirs.
func dedupePairs(ps []Pair) ([]Pair, []Reject) {
	var set pairSet
	for _, p := range ps {
		set.add(p)
	}
	keep := make([]Pair, 0, len(set.t.rows))
	for _, p := range ps {
		if i, ok := set.t.index[pairKey{server: hostKey(p.Server), pkg: p.Package}]; ok && set.t.rows[i].val == p {
			keep = append(keep, p)
			delete(set.t.index, set.t.rows[i].key) // a repeat of the kept row is a duplicate
		}
	}
	return keep, set.rejects
}

// pairSet collects the pairs of a read as they come, one per (server,
// package): a second pair for one replaces the first when it comes first
// in comparePairs' order; the one left out is rejected as a duplicate.
// Rows for one pair that disagree on the status or a version are noted
// (disagree); conflicts then takes those pairs out.
type pairSet struct {
	t        table[pairKey, Pair]
	hk       hostKeys
	rejects  []Reject
	disagree map[pairKey]*pairRows
}

// pairRows is what disagreeing rows of one pair say.
type pairRows struct {
	values []string // "status at version", each once
	rows   int
}

func (s *pairSet) add(p Pair) {
	if s.t.index == nil {
		s.t = newTable[pairKey, Pair](comparePairKeys)
	}
	k := pairKey{server: s.hk.of(p.Server), pkg: p.Package}
	i, seen := s.t.index[k]
	if !seen {
		s.t.put(k, p)
		return
	}
	old := &s.t.rows[i].val
	if p.Status != old.Status || p.Version != old.Version || p.PackageVersion != old.PackageVersion {
		s.noteDisagreement(k, *old, p)
	} else if d := s.disagree[k]; d != nil {
		d.rows++
	}
	dup := p
	if comparePairs(&p, old) < 0 {
		dup, *old = *old, p
	}
	s.rejects = append(s.rejects, Reject{ServerID: string(dup.ServerID), Server: string(dup.Server),
		PackageID: string(dup.Package), Reason: reasonDuplicatePair})
}

func (s *pairSet) noteDisagreement(k pairKey, old, p Pair) {
	if s.disagree == nil {
		s.disagree = map[pairKey]*pairRows{}
	}
	d := s.disagree[k]
	if d == nil {
		d = &pairRows{values: []string{rowValue(old)}, rows: 1}
		s.disagree[k] = d
	}
	d.rows++
	if v := rowValue(p); !slices.Contains(d.values, v) {
		d.values = append(d.values, v)
	}
}

// rowValue is what a row says of its pair.
func rowValue(p Pair) string {
	v := string(p.Status) + " at version " + p.Version
	if p.Version == "" {
		v = string(p.Status) + " with no version"
	}
	if p.PackageVersion != "" {
		v += " (package at " + p.PackageVersion + ")"
	}
	return v
}

// conflicts takes the pairs whose rows disagree out of the set, with their
// duplicate rejects, and returns a conflict for each.
func (s *pairSet) conflicts() []Conflict {
	if len(s.disagree) == 0 {
		return nil
	}
	var out []Conflict
	for k, d := range s.disagree {
		p := s.t.rows[s.t.index[k]].val
		out = append(out, Conflict{Kind: ConflictPairRows, Server: p.Server, Package: p.Package,
			PackageName: p.PackageName, Values: sorted(d.values), Held: d.rows})
	}
	s.t.filter(func(k pairKey) bool { return s.disagree[k] == nil })
	s.rejects = slices.DeleteFunc(s.rejects, func(r Reject) bool {
		return r.Reason == reasonDuplicatePair && s.disagree[keyOf(vocab.Host(r.Server), vocab.GUID(r.PackageID))] != nil
	})
	slices.SortFunc(out, compareConflict)
	return out
}

func comparePairs(a, b *Pair) int {
	return cmp.Or(compareHost(a.Server, b.Server), cmp.Compare(a.Package, b.Package),
		cmp.Compare(a.ServerID, b.ServerID), cmp.Compare(a.Status, b.Status),
		cmp.Compare(a.Version, b.Version))
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
