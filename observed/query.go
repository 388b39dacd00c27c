package observed

import (
	"maps"
	"slices"

	"github.com/itms-tools/reconciler/vocab"
)

// Pairs returns every pair in question, by server then package.
func (o *Observation) Pairs() []Pair {
	var out []Pair
	o.read(func(t *tables) { out = list(&t.pairs, copyOf[Pair]) })
	return out
}

// PairsOf returns the pairs in question of one server (matched
// case-insensitively), by package.
func (o *Observation) PairsOf(server vocab.Host) []Pair {
	var out []Pair
	o.read(func(t *tables) {
		rows := serverRange(&t.pairs, server)
		if len(rows) == 0 {
			return
		}
		out = make([]Pair, len(rows))
		for i := range rows {
			out[i] = rows[i].val
		}
	})
	return out
}

// PairsFor returns the pairs in question of one package, by server.
func (o *Observation) PairsFor(pkg vocab.GUID) []Pair {
	return o.pairsWhere(func(p *Pair) bool { return p.Package == pkg })
}

// PairsWithStatus returns the pairs in question with the given status, by
// server then package.
func (o *Observation) PairsWithStatus(s vocab.Status) []Pair {
	return o.pairsWhere(func(p *Pair) bool { return p.Status == s })
}

func (o *Observation) pairsWhere(keep func(*Pair) bool) []Pair {
	var out []Pair
	o.read(func(t *tables) {
		for i := range t.pairs.rows {
			if p := &t.pairs.rows[i].val; keep(p) {
				out = append(out, *p)
			}
		}
	})
	return out
}

// ServersInQuestion returns the servers that have pairs in question, once
// each, by name, spelt as in their first pair.
func (o *Observation) ServersInQuestion() []vocab.Host {
	var out []vocab.Host
	o.read(func(t *tables) {
		rows := t.pairs.rows
		for i := range rows {
			if i == 0 || rows[i].key.server != rows[i-1].key.server {
				out = append(out, rows[i].val.Server)
			}
		}
	})
	return out
}

// PackagesInQuestion returns the packages that have pairs in question,
// once each, by GUID.
func (o *Observation) PackagesInQuestion() []vocab.GUID {
	var out []vocab.GUID
	o.read(func(t *tables) {
		for i := range t.pairs.rows {
			out = append(out, t.pairs.rows[i].key.pkg)
		}
	})
	slices.Sort(out)
	return slices.Compact(out)
}

// PackagesOf returns the packages in question on one server, by GUID.
func (o *Observation) PackagesOf(server vocab.Host) []vocab.GUID {
	var out []vocab.GUID
	o.read(func(t *tables) {
		for _, r := range serverRange(&t.pairs, server) {
			out = append(out, r.key.pkg)
		}
	})
	return out
}

// Need maps each server in question that keep accepts (every server when
// keep is nil) to its packages in question: the argument
// Observer.ObserveAgents takes. Spellings of one host name that differ in
// case are one server, under the first spelling.
func (o *Observation) Need(keep func(vocab.Host) bool) map[vocab.Host][]vocab.GUID {
	need := map[vocab.Host][]vocab.GUID{}
	o.read(func(t *tables) {
		rows := t.pairs.rows
		for lo := 0; lo < len(rows); {
			hi := lo + 1
			for hi < len(rows) && rows[hi].key.server == rows[lo].key.server {
				hi++
			}
			s := rows[lo].val.Server
			if keep == nil || keep(s) {
				pkgs := make([]vocab.GUID, hi-lo)
				for i := range rows[lo:hi] {
					pkgs[i] = rows[lo+i].key.pkg
				}
				need[s] = pkgs
			}
			lo = hi
		}
	})
	return need
}

// Agent returns the observation of one server's agent.
func (o *Observation) Agent(server vocab.Host) (Agent, bool) {
	var a Agent
	var ok bool
	o.read(func(t *tables) {
		if a, ok = t.agents.get(hostKey(server)); ok {
			a = cloneAgent(a)
		}
	})
	return a, ok
}

// Agents returns every agent observation, by server.
func (o *Observation) Agents() []Agent {
	var out []Agent
	o.read(func(t *tables) { out = list(&t.agents, cloneAgent) })
	return out
}

// Files returns what a server holds for a package, when its agent said so.
func (o *Observation) Files(server vocab.Host, pkg vocab.GUID) (PackageFiles, bool) {
	var f PackageFiles
	var ok bool
	o.read(func(t *tables) { f, ok = t.files.get(keyOf(server, pkg)) })
	return f, ok
}

// FilesOf returns what a server holds for each package its agent reported,
// by package.
func (o *Observation) FilesOf(server vocab.Host) []PackageFiles {
	var out []PackageFiles
	o.read(func(t *tables) {
		rows := serverRange(&t.files, server)
		if len(rows) == 0 {
			return
		}
		out = make([]PackageFiles, len(rows))
		for i := range rows {
			out[i] = rows[i].val
		}
	})
	return out
}

// FilesFor returns what each server reported holding for a package, by
// server.
func (o *Observation) FilesFor(pkg vocab.GUID) []PackageFiles {
	var out []PackageFiles
	o.read(func(t *tables) {
		for i := range t.files.rows {
			if t.files.rows[i].key.pkg == pkg {
				out = append(out, t.files.rows[i].val)
			}
		}
	})
	return out
}

// Snapshot returns the NS snapshot of a package, when it was read.
func (o *Observation) Snapshot(pkg vocab.GUID) (Snapshot, bool) {
	var s Snapshot
	var ok bool
	o.read(func(t *tables) { s, ok = t.snapshots.get(pkg) })
	return s, ok
}

// Snapshots returns every NS snapshot read, by package.
func (o *Observation) Snapshots() []Snapshot {
	var out []Snapshot
	o.read(func(t *tables) { out = list(&t.snapshots, copyOf[Snapshot]) })
	return out
}

// Servers returns the listed package servers, by name; empty unless
// ServersListed.
func (o *Observation) Servers() []Server {
	var out []Server
	o.read(func(t *tables) { out = list(&t.servers, cloneServer) })
	return out
}

// Server returns one listed package server, matched case-insensitively.
func (o *Observation) Server(name vocab.Host) (Server, bool) {
	var s Server
	var ok bool
	o.read(func(t *tables) {
		if s, ok = t.servers.get(hostKey(name)); ok {
			s = cloneServer(s)
		}
	})
	return s, ok
}

func cloneServer(s Server) Server {
	s.Counts = maps.Clone(s.Counts)
	return s
}

// copyOf is the conversion of rows that hold no reference.
func copyOf[T any](v T) T { return v }
