package observed

import "github.com/itms-tools/reconciler/vocab"

// The reference forms of what the observer does with cached state: the
// tests and the fuzz targets hold the observer's rowParser and pairSet to
// them.

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
