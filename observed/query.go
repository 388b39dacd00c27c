package observed

import (
	"fmt"
	"maps"
	"slices"

	"github.com/itms-tools/reconciler/vocab"
)

// Pairs returns every pair in question, by server then package.
func (o *Observation) Pairs() []Pair {
	return list(o, tablePairs, indexID, func(p *Pair) Pair { return *p })
}

// PairsOf returns the pairs in question of one server (matched
// case-insensitively), by package.
func (o *Observation) PairsOf(server vocab.Host) []Pair {
	return list(o, tablePairs, indexServer, func(p *Pair) Pair { return *p }, string(server))
}

// PairsFor returns the pairs in question of one package, by server.
func (o *Observation) PairsFor(pkg vocab.GUID) []Pair {
	return list(o, tablePairs, indexPackage, func(p *Pair) Pair { return *p }, string(pkg))
}

// PairsWithStatus returns the pairs in question with the given status, by
// server then package.
func (o *Observation) PairsWithStatus(s vocab.Status) []Pair {
	return list(o, tablePairs, indexStatus, func(p *Pair) Pair { return *p }, string(s))
}

// ServersInQuestion returns the servers that have pairs in question, once
// each, by name.
func (o *Observation) ServersInQuestion() []vocab.Host {
	hosts := list(o, tablePairs, indexServer, func(p *Pair) vocab.Host { return p.Server })
	return slices.CompactFunc(hosts, func(a, b vocab.Host) bool { return hostKey(a) == hostKey(b) })
}

// PackagesInQuestion returns the packages that have pairs in question,
// once each, by GUID.
func (o *Observation) PackagesInQuestion() []vocab.GUID {
	ps := list(o, tablePairs, indexPackage, func(p *Pair) vocab.GUID { return p.Package })
	return slices.Compact(ps)
}

// PackagesOf returns the packages in question on one server, by GUID.
func (o *Observation) PackagesOf(server vocab.Host) []vocab.GUID {
	return list(o, tablePairs, indexServer, func(p *Pair) vocab.GUID { return p.Package }, string(server))
}

// Need maps each server in question that keep accepts (every server when
// keep is nil) to its packages in question: the argument
// Observer.ObserveAgents takes. Spellings of one host name that differ in
// case are one server, under the first spelling.
func (o *Observation) Need(keep func(vocab.Host) bool) map[vocab.Host][]vocab.GUID {
	need := map[vocab.Host][]vocab.GUID{}
	spelling := map[string]vocab.Host{}
	for _, p := range o.Pairs() {
		s, ok := spelling[hostKey(p.Server)]
		if !ok {
			s = p.Server
			spelling[hostKey(s)] = s
		}
		if keep == nil || keep(s) {
			need[s] = append(need[s], p.Package)
		}
	}
	return need
}

// Agent returns the observation of one server's agent.
func (o *Observation) Agent(server vocab.Host) (Agent, bool) {
	a, ok := first(o, tableAgents, func(a *Agent) Agent { return cloneAgent(*a) }, string(server))
	return a, ok
}

// Agents returns every agent observation, by server.
func (o *Observation) Agents() []Agent {
	return list(o, tableAgents, indexID, func(a *Agent) Agent { return cloneAgent(*a) })
}

// Files returns what a server holds for a package, when its agent said so.
func (o *Observation) Files(server vocab.Host, pkg vocab.GUID) (PackageFiles, bool) {
	return first(o, tableFiles, func(f *PackageFiles) PackageFiles { return *f }, string(server), string(pkg))
}

// FilesOf returns what a server holds for each package its agent reported,
// by package.
func (o *Observation) FilesOf(server vocab.Host) []PackageFiles {
	return list(o, tableFiles, indexServer, func(f *PackageFiles) PackageFiles { return *f }, string(server))
}

// FilesFor returns what each server reported holding for a package, by
// server.
func (o *Observation) FilesFor(pkg vocab.GUID) []PackageFiles {
	return list(o, tableFiles, indexPackage, func(f *PackageFiles) PackageFiles { return *f }, string(pkg))
}

// Snapshot returns the NS snapshot of a package, when it was read.
func (o *Observation) Snapshot(pkg vocab.GUID) (Snapshot, bool) {
	return first(o, tableSnapshots, func(s *Snapshot) Snapshot { return *s }, string(pkg))
}

// Snapshots returns every NS snapshot read, by package.
func (o *Observation) Snapshots() []Snapshot {
	return list(o, tableSnapshots, indexID, func(s *Snapshot) Snapshot { return *s })
}

// Servers returns the listed package servers, by name; empty unless
// ServersListed.
func (o *Observation) Servers() []Server {
	return list(o, tableServers, indexID, cloneServer)
}

// Server returns one listed package server, matched case-insensitively.
func (o *Observation) Server(name vocab.Host) (Server, bool) {
	return first(o, tableServers, cloneServer, string(name))
}

func cloneServer(s *Server) Server {
	c := *s
	c.Counts = maps.Clone(s.Counts)
	return c
}

// list reads every object of table matching args on index, in index order,
// converting each with conv. The stored objects are never handed out.
// Non-unique indexes append the id (server, package) to their key, so equal
// values iterate by server, then package.
func list[T, R any](o *Observation, table, index string, conv func(*T) R, args ...any) []R {
	if o == nil || o.db == nil {
		return nil
	}
	txn := o.db.Txn(false)
	defer txn.Abort()
	it, err := txn.Get(table, index, args...)
	if err != nil {
		panic(fmt.Sprintf("observed: query %s.%s: %v", table, index, err)) // fixed schema: a bug
	}
	var out []R
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, conv(obj.(*T)))
	}
	return out
}

// first reads the object of table with the given id.
func first[T, R any](o *Observation, table string, conv func(*T) R, args ...any) (R, bool) {
	var zero R
	if o == nil || o.db == nil {
		return zero, false
	}
	txn := o.db.Txn(false)
	defer txn.Abort()
	obj, err := txn.First(table, indexID, args...)
	if err != nil {
		panic(fmt.Sprintf("observed: lookup %s: %v", table, err)) // fixed schema: a bug
	}
	if obj == nil {
		return zero, false
	}
	return conv(obj.(*T)), true
}
