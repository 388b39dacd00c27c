package observed

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// ConflictKind is what the CMDB states two ways.
type ConflictKind string

// The conflicts a read can find. Their names are a contract (status
// --json, plan notes).
const (
	// ConflictPackageVersions: one package with two rows in SWDPackage
	// marked _Latest = 1, at different versions. Which version the NS
	// holds is unknown, so every pair of the package is left alone.
	ConflictPackageVersions ConflictKind = "package_versions"
	// ConflictServerIDs: one server name for two server ids in vItem
	// (both with rows in SWDPackageServer). Actions go to a name, and a
	// resend on that host cannot fix the other id's rows, so every pair of
	// the name is left alone.
	ConflictServerIDs ConflictKind = "server_ids"
	// ConflictServerNames: one server id under two names. Every pair of
	// each name is left alone.
	ConflictServerNames ConflictKind = "server_names"
	// ConflictPairRows: two rows for one (server, package) that disagree
	// on the status or a version (ids spelt two ways). The pair is left
	// alone; rows that agree are only duplicates (Rejects).
	ConflictPairRows ConflictKind = "pair_rows"
)

// Conflict is a fact the CMDB states two ways. It is reported, and nothing
// is planned for what it names, until the CMDB says one thing again: acting
// on one reading of it would repeat, pass after pass, an action that the
// other reading undoes.
type Conflict struct {
	Kind ConflictKind `json:"kind"`
	// Server is the server name (server_ids, pair_rows).
	Server vocab.Host `json:"server,omitempty"`
	// ServerID is the server id (server_names).
	ServerID vocab.GUID `json:"server_id,omitempty"`
	// Package is the package (package_versions, pair_rows).
	Package vocab.GUID `json:"package,omitempty"`
	// PackageName is one of the package's names, clipped.
	PackageName string `json:"package_name,omitempty"`
	// Values are what the CMDB states, each once, sorted: versions, server
	// ids, server names, or "status at version" for pair rows.
	Values []string `json:"values"`
	// Held counts the rows in question left out of the observation
	// because of it.
	Held int `json:"held"`
}

// Message says what the conflict is and what is done about it.
func (c Conflict) Message() string {
	vals := strings.Join(c.Values, ", ")
	switch c.Kind {
	case ConflictPackageVersions:
		return fmt.Sprintf("package %s has %d latest versions in SWDPackage (_Latest = 1): %s; its pairs are left alone until one remains",
			c.packageLabel(), len(c.Values), vals)
	case ConflictServerIDs:
		return fmt.Sprintf("server name %s belongs to %d server ids in vItem: %s; it is left alone until one is renamed",
			c.Server, len(c.Values), vals)
	case ConflictServerNames:
		return fmt.Sprintf("server id %s has %d names: %s; each is left alone until one remains", c.ServerID, len(c.Values), vals)
	case ConflictPairRows:
		return fmt.Sprintf("%s has %d rows for package %s that disagree (%s); the pair is left alone until one remains",
			c.Server, len(c.Values), c.packageLabel(), vals)
	}
	return fmt.Sprintf("conflict %s: %s", c.Kind, vals)
}

func (c Conflict) packageLabel() string {
	if c.PackageName == "" {
		return string(c.Package)
	}
	return fmt.Sprintf("%s (%s)", c.PackageName, c.Package)
}

func compareConflict(a, b Conflict) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), compareHost(a.Server, b.Server), cmp.Compare(a.ServerID, b.ServerID),
		cmp.Compare(a.Package, b.Package), slices.Compare(a.Values, b.Values))
}

// AddConflicts appends conflicts and keeps Conflicts sorted, each once: a
// conflict found again (in the rows and in the server list) is merged,
// the rows it held back added up.
func (o *Observation) AddConflicts(cs ...Conflict) {
	all := append(o.Conflicts, cs...)
	slices.SortStableFunc(all, compareConflict)
	var out []Conflict
	for _, c := range all {
		if n := len(out); n > 0 && compareConflict(out[n-1], c) == 0 {
			out[n-1].Held += c.Held
			continue
		}
		out = append(out, c)
	}
	o.Conflicts = out
}

// Conflicted reports whether a conflict names the server (by name,
// case-insensitively): nothing is planned for it.
func (o *Observation) Conflicted(server vocab.Host) bool {
	for _, c := range o.Conflicts {
		if c.Kind == ConflictPackageVersions || c.Kind == ConflictPairRows {
			continue
		}
		if sameHost(c.Server, server) {
			return true
		}
		if c.Kind == ConflictServerNames && slices.ContainsFunc(c.Values, func(v string) bool { return sameHost(vocab.Host(v), server) }) {
			return true
		}
	}
	return false
}

// identities collects what a read says about each package and server, to
// find the conflicts: the latest versions of each package, the ids under
// each server name and the names of each server id.
type identities struct {
	packages map[vocab.GUID]int // → index in facts
	facts    []packageFacts
	idsOf    map[string][]vocab.GUID     // hostKey → server ids
	namesOf  map[vocab.GUID][]vocab.Host // server id → names, one per hostKey
}

// packageFacts is what the accepted rows say about one package.
type packageFacts struct {
	seen     bool
	name     string   // the first name seen, clipped
	version  string   // the first latest version seen
	versions []string // every version seen, when more than one
}

// note records an accepted row's package name and version; a second
// distinct version is a conflict.
func (f *packageFacts) note(name, v string) {
	if !f.seen {
		f.seen, f.name, f.version = true, vocab.Clip(name), v
		return
	}
	if v == f.version || slices.Contains(f.versions, v) {
		return
	}
	if f.versions == nil {
		f.versions = []string{f.version}
	}
	f.versions = append(f.versions, v)
}

// packageFacts returns the index in facts of a package's facts, empty
// when first asked.
func (id *identities) packageFacts(g vocab.GUID) int {
	if id.packages == nil {
		id.packages = map[vocab.GUID]int{}
	}
	i, ok := id.packages[g]
	if !ok {
		i = len(id.facts)
		id.facts = append(id.facts, packageFacts{})
		id.packages[g] = i
	}
	return i
}

// noteServer records that a server id goes by a name.
func (id *identities) noteServer(sid vocab.GUID, name vocab.Host) {
	if id.idsOf == nil {
		id.idsOf = map[string][]vocab.GUID{}
		id.namesOf = map[vocab.GUID][]vocab.Host{}
	}
	k := hostKey(name)
	if !slices.Contains(id.idsOf[k], sid) {
		id.idsOf[k] = append(id.idsOf[k], sid)
	}
	if !slices.ContainsFunc(id.namesOf[sid], func(h vocab.Host) bool { return sameHost(h, name) }) {
		id.namesOf[sid] = append(id.namesOf[sid], name)
	}
}

// conflicts lists what the identities state two ways, and the packages and
// server names (hostKey) that nothing may be planned for.
func (id *identities) conflicts() ([]Conflict, map[vocab.GUID]bool, map[string]bool) {
	var out []Conflict
	pkgs, names := map[vocab.GUID]bool{}, map[string]bool{}
	for g, i := range id.packages {
		if f := &id.facts[i]; len(f.versions) > 1 {
			pkgs[g] = true
			out = append(out, Conflict{Kind: ConflictPackageVersions, Package: g, PackageName: f.name, Values: sorted(f.versions)})
		}
	}
	for k, ids := range id.idsOf {
		if len(ids) > 1 {
			names[k] = true
			vals := make([]string, len(ids))
			for i, s := range ids {
				vals[i] = string(s)
			}
			out = append(out, Conflict{Kind: ConflictServerIDs, Server: id.namesOf[ids[0]][0], Values: sorted(vals)})
		}
	}
	for sid, hs := range id.namesOf {
		if len(hs) > 1 {
			vals := make([]string, len(hs))
			for i, h := range hs {
				names[hostKey(h)] = true
				vals[i] = string(h)
			}
			out = append(out, Conflict{Kind: ConflictServerNames, ServerID: sid, Values: sorted(vals)})
		}
	}
	for i := range out {
		if out[i].Kind == ConflictServerIDs {
			out[i].Server = spelling(id, out[i].Server)
		}
	}
	slices.SortFunc(out, compareConflict)
	return out, pkgs, names
}

// spelling is the first spelling, in sort order, of a name.
func spelling(id *identities, h vocab.Host) vocab.Host {
	best := h
	for _, hs := range id.namesOf {
		for _, x := range hs {
			if sameHost(x, h) && compareHost(x, best) < 0 {
				best = x
			}
		}
	}
	return best
}

func sorted(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}
