package observed

import (
	"cmp"
	"slices"
	"sort"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// The tables of an Observation. Each keeps, after every write, its rows in
// key order with a map from key to position, so that a lookup is a map
// access, a listing a walk and a server's rows a range.
// Server names are keyed lower-cased: Windows host names are
// case-insensitive, so "PS001" and "ps001" are one server. (A pass
// inserts tens of thousands of pairs; go-memdb's radix trees, one per
// index, cost about 10 µs and 1 KB a pair, this a few hundred
// nanoseconds.)
type tables struct {
	pairs     table[pairKey, Pair]
	files     table[pairKey, PackageFiles]
	agents    table[string, Agent]
	snapshots table[vocab.GUID, Snapshot]
	servers   table[string, Server]
}

func newTables() *tables {
	return &tables{
		pairs:     newTable[pairKey, Pair](comparePairKeys),
		files:     newTable[pairKey, PackageFiles](comparePairKeys),
		agents:    newTable[string, Agent](strings.Compare),
		snapshots: newTable[vocab.GUID, Snapshot](cmp.Compare[vocab.GUID]),
		servers:   newTable[string, Server](strings.Compare),
	}
}

// pairKey identifies a pair or a server's files for a package.
type pairKey struct {
	server string // hostKey of the server
	pkg    vocab.GUID
}

func keyOf(server vocab.Host, pkg vocab.GUID) pairKey {
	return pairKey{server: hostKey(server), pkg: pkg}
}

func comparePairKeys(a, b pairKey) int {
	return cmp.Or(strings.Compare(a.server, b.server), cmp.Compare(a.pkg, b.pkg))
}

// table is one table: its rows in key order, and where each key is.
type table[K comparable, V any] struct {
	rows    []entry[K, V] // in key order, when sorted
	index   map[K]int     // key → position in rows
	sorted  bool
	compare func(a, b K) int
}

type entry[K, V any] struct {
	key K
	val V
}

func newTable[K comparable, V any](compare func(a, b K) int) table[K, V] {
	return table[K, V]{index: map[K]int{}, sorted: true, compare: compare}
}

// reserve makes room for n more rows.
func (t *table[K, V]) reserve(n int) {
	if len(t.rows) == 0 && n > 0 {
		t.index = make(map[K]int, n)
		t.rows = make([]entry[K, V], 0, n)
	}
}

// put inserts or replaces a row; sort must follow before the next read.
func (t *table[K, V]) put(k K, v V) {
	if i, ok := t.index[k]; ok {
		t.rows[i].val = v
		return
	}
	if n := len(t.rows); t.sorted && n > 0 && t.compare(t.rows[n-1].key, k) > 0 {
		t.sorted = false
	}
	t.index[k] = len(t.rows)
	t.rows = append(t.rows, entry[K, V]{k, v})
}

// sort orders the rows after puts: a permutation is sorted, then the rows
// moved once, in place, cycle by cycle.
func (t *table[K, V]) sort() {
	if t.sorted {
		return
	}
	perm := make([]int32, len(t.rows)) // perm[i]: the row that goes to i
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int { return t.compare(t.rows[a].key, t.rows[b].key) })
	for i := range perm {
		if perm[i] == int32(i) {
			continue
		}
		held := t.rows[i]
		at := i
		for {
			from := int(perm[at])
			perm[at] = int32(at)
			if from == i {
				t.rows[at] = held
				break
			}
			t.rows[at] = t.rows[from]
			at = from
		}
	}
	for i := range t.rows {
		t.index[t.rows[i].key] = i
	}
	t.sorted = true
}

// filter keeps the rows whose key keep accepts, in their order.
func (t *table[K, V]) filter(keep func(K) bool) {
	kept := t.rows[:0]
	for _, e := range t.rows {
		if keep(e.key) {
			kept = append(kept, e)
		} else {
			delete(t.index, e.key)
		}
	}
	clear(t.rows[len(kept):])
	t.rows = kept
	for i := range t.rows {
		t.index[t.rows[i].key] = i
	}
}

func (t *table[K, V]) get(k K) (V, bool) {
	if i, ok := t.index[k]; ok {
		return t.rows[i].val, true
	}
	var zero V
	return zero, false
}

// list converts every row, in key order.
func list[K comparable, V, R any](t *table[K, V], conv func(V) R) []R {
	if len(t.rows) == 0 {
		return nil
	}
	out := make([]R, len(t.rows))
	for i := range t.rows {
		out[i] = conv(t.rows[i].val)
	}
	return out
}

// serverRange returns one server's rows, in package order.
func serverRange[V any](t *table[pairKey, V], server vocab.Host) []entry[pairKey, V] {
	h := hostKey(server)
	lo := sort.Search(len(t.rows), func(i int) bool { return t.rows[i].key.server >= h })
	hi := lo
	for hi < len(t.rows) && t.rows[hi].key.server == h {
		hi++
	}
	return t.rows[lo:hi]
}

// hostKey is the case-insensitive identity of a host name.
func hostKey(h vocab.Host) string { return strings.ToLower(string(h)) }

// hostKeys is hostKey remembering its answers, for loops over many rows
// of few servers: each name is lower-cased once. The zero value is ready.
type hostKeys struct {
	last vocab.Host
	key  string
	seen map[vocab.Host]string
}

func (k *hostKeys) of(h vocab.Host) string {
	if h == k.last && k.seen != nil {
		return k.key
	}
	key, ok := k.seen[h]
	if !ok {
		if k.seen == nil {
			k.seen = map[vocab.Host]string{}
		}
		key = hostKey(h)
		k.seen[h] = key
	}
	k.last, k.key = h, key
	return key
}

// validGUID is vocab.GUID.Valid without allocating: 36 characters,
// lower-case hex digits and hyphens at 8, 13, 18 and 23.
func validGUID(g vocab.GUID) bool {
	if len(g) != 36 {
		return false
	}
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// compareHost orders host names case-insensitively, ties broken by
// spelling: the order the tables list servers in. It does not allocate
// for ASCII names (host names are).
func compareHost(a, b vocab.Host) int {
	if c := compareFold(string(a), string(b)); c != 0 {
		return c
	}
	return strings.Compare(string(a), string(b))
}

// compareFold compares strings.ToLower(a) and strings.ToLower(b).
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if x >= 0x80 || y >= 0x80 {
			return strings.Compare(strings.ToLower(a[i:]), strings.ToLower(b[i:]))
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(len(a), len(b))
}

// sameHost reports whether two host names are one server.
func sameHost(a, b vocab.Host) bool { return compareFold(string(a), string(b)) == 0 }
