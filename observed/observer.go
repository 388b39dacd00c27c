package observed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// Observer reads a site through its drivers into Observations. Its fields
// are set once before use; ReadSite and ObserveAgents may then be called
// from one goroutine at a time per Observation.
//
// Failures are recorded in the Observation, never returned: a CMDB that
// cannot be read sets CMDBErr (and leaves no pairs), an NS that cannot be
// read sets NSErr or SnapshotsErr, an agent that cannot be observed is an
// Agent with Reachable false and an Error. Driver panics are recovered into
// those errors. Error texts come from the drivers, which must keep secrets
// out of them; the observer adds none.
type Observer struct {
	CMDB   CMDB
	NS     NSSource
	Agents AgentSource
	// Concurrency bounds the agent calls in flight (reconcile.concurrency);
	// values below 1 mean 1.
	Concurrency int
	// CallTimeout bounds each agent and NS call; zero means no bound beyond
	// the caller's context. The CMDB read is bounded by the context only.
	CallTimeout time.Duration
	// Ages, when set, gives pairs their Since across passes.
	Ages *Ages
	// Logger defaults to discarding.
	Logger *slog.Logger
}

// cmdbRead is what one CMDB read yields once validated.
type cmdbRead struct {
	read      []Pair  // as the rows came
	pairs     pairSet // then one per (server, package): the table the Observation will hold
	servers   []RawServer
	rejects   []Reject
	conflicts []Conflict
	parser    rowParser
}

// ReadSite reads the NS setting, the CMDB rows in question and, when
// listServers is set, the CMDB's server list, into a new Observation taken
// at now. A CMDB read that fails or is cut short leaves CMDBErr set and no
// pairs, servers or rejects: never a partial set. Ages, when set, is
// updated only from a complete read; with it, a rejected row or a
// conflict is logged in the read where it first appears and in the first
// complete read without it, not in every read between.
func (o *Observer) ReadSite(ctx context.Context, now time.Time, listServers bool) *Observation {
	obs := NewObservation(now)
	obs.NS, obs.NSErr = o.readNS(ctx)
	if errors.Is(obs.NSErr, ErrNotManaged) {
		obs.NS, obs.NSErr, obs.NSUnmanaged = NSState{}, nil, true
	}
	if obs.NSErr != nil {
		o.log().Warn("NS setting not read", "error", obs.NSErr)
	}
	read, err := o.readCMDB(ctx, listServers)
	if err == nil {
		err = obs.store(read)
	}
	var listed []Conflict // found in the server list
	if err == nil && listServers {
		listed, err = o.addServers(obs, read.servers)
	}
	if err != nil {
		obs.CMDBErr = err
		obs.Rejects, obs.Conflicts, obs.ServersListed = nil, nil, false
		obs.t = newTables()
		o.log().Warn("CMDB not read; nothing will be planned", "error", err)
		return obs
	}
	obs.read(func(t *tables) { o.Ages.observe(now, t.pairs.rows) })
	o.logRejects(obs.Rejects)
	o.logConflicts(read.conflicts, false)
	if listServers {
		o.logConflicts(listed, true)
	}
	return obs
}

// logRejects warns about the rejected rows of a complete read that the
// last one did not have, and about those of the last one that are gone.
func (o *Observer) logRejects(rs []Reject) {
	appeared, gone := o.Ages.rejects(rs)
	for _, r := range appeared {
		o.log().Warn("CMDB row rejected", "server", r.Server, "package_id", r.PackageID, "reason", r.Reason)
	}
	for _, r := range gone {
		o.log().Warn("CMDB row no longer rejected (fixed or removed)", "server", r.Server, "package_id", r.PackageID, "reason", r.Reason)
	}
}

// logConflicts warns about the conflicts a complete read of the rows (or,
// fromList, of the server list) found that no earlier read had, and about
// those it no longer finds, as logRejects does for rejects.
func (o *Observer) logConflicts(found []Conflict, fromList bool) {
	appeared, gone := o.Ages.conflicts(found, fromList)
	for _, c := range appeared {
		o.log().Warn("CMDB states a fact two ways; nothing is planned for it until it states one",
			"conflict", c.Kind, "server", c.Server, "server_id", c.ServerID, "package_id", c.Package, "message", c.Message())
	}
	for _, c := range gone {
		o.log().Warn("CMDB no longer states a fact two ways (fixed or removed)",
			"conflict", c.Kind, "server", c.Server, "server_id", c.ServerID, "package_id", c.Package, "values", c.Values)
	}
}

// readNS reads and checks the NS credential setting.
func (o *Observer) readNS(ctx context.Context) (NSState, error) {
	if o.NS == nil {
		return NSState{}, errors.New("read NS setting: no NS source")
	}
	st, err := call(ctx, o.CallTimeout, nil, o.NS.Setting)
	if err != nil {
		return NSState{}, fmt.Errorf("read NS setting: %w", err)
	}
	if err := st.Credential.Validate(); err != nil {
		return NSState{}, fmt.Errorf("NS setting: %w", err)
	}
	if st.PolicyVersion < 0 {
		return NSState{}, fmt.Errorf("NS setting: negative policy version %d", st.PolicyVersion)
	}
	return st, nil
}

// readCMDB reads and validates the rows in question and, when asked, the
// server list. Any failure voids the whole read.
func (o *Observer) readCMDB(ctx context.Context, listServers bool) (cmdbRead, error) {
	if o.CMDB == nil {
		return cmdbRead{}, errors.New("read CMDB: no CMDB source")
	}
	return call(ctx, 0, nil, func(ctx context.Context) (cmdbRead, error) {
		var r cmdbRead
		r.read = make([]Pair, 0, o.Ages.Len()) // last pass's count, when known
		err := r.readRows(ctx, o.CMDB)
		if err == nil && ctx.Err() != nil {
			err = fmt.Errorf("cut short: %w", ctx.Err())
		}
		if err != nil {
			return cmdbRead{}, fmt.Errorf("read CMDB rows: %w", err)
		}
		r.collect()
		if !listServers {
			return r, nil
		}
		raw, err := o.CMDB.Servers(ctx)
		if err != nil {
			return cmdbRead{}, fmt.Errorf("list CMDB servers: %w", err)
		}
		r.servers = raw
		return r, nil
	})
}

// collect builds the pairs table from the rows read: one pair per (server,
// package), leaving out the pairs that a conflict names (every pair of a
// package with two latest versions, of a server name with two ids or of a
// server id with two names, and a pair whose rows disagree).
func (r *cmdbRead) collect() {
	conflicts, pkgs, names := r.parser.ids.conflicts()
	r.pairs.t = newTable[pairKey, Pair](comparePairKeys)
	r.pairs.t.reserve(len(r.read))
	var heldPkg map[vocab.GUID]int
	var heldName map[string]int
	if len(conflicts) > 0 {
		heldPkg, heldName = map[vocab.GUID]int{}, map[string]int{}
	}
	for _, p := range r.read {
		if len(conflicts) > 0 {
			if pkgs[p.Package] {
				heldPkg[p.Package]++
				continue
			}
			if k := hostKey(p.Server); names[k] {
				heldName[k]++
				continue
			}
		}
		r.pairs.add(p)
	}
	r.read = nil
	conflicts = append(conflicts, r.pairs.conflicts()...)
	r.pairs.t.sort()
	r.rejects = append(r.rejects, r.pairs.rejects...)
	for i := range conflicts {
		conflicts[i].Held += heldBy(conflicts[i], heldPkg, heldName)
	}
	r.conflicts = conflicts
}

// heldBy counts the rows a package or server conflict left out.
func heldBy(c Conflict, pkgs map[vocab.GUID]int, names map[string]int) int {
	switch c.Kind {
	case ConflictPackageVersions:
		return pkgs[c.Package]
	case ConflictServerIDs:
		return names[hostKey(c.Server)]
	case ConflictServerNames:
		n := 0
		for _, v := range c.Values {
			n += names[hostKey(vocab.Host(v))]
		}
		return n
	}
	return 0
}

// readRows reads the rows in question into r. The driver's goroutine
// hands them over in batches to a second one that validates them, so that
// validating overlaps reading; both are done when readRows returns, even
// when the driver panics. A panic while validating is raised again here,
// where call recovers it.
func (r *cmdbRead) readRows(ctx context.Context, c CMDB) error {
	const batchLen, inFlight = 512, 4
	full := make(chan []RawRow, inFlight)
	free := make(chan []RawRow, inFlight+2)
	done := make(chan struct{})
	var failed any
	go func() {
		defer close(done)
		for b := range full {
			if failed == nil {
				failed = r.addRows(b)
			}
			select {
			case free <- b[:0]:
			default:
			}
		}
	}()
	defer func() {
		close(full)
		<-done
		if failed != nil {
			panic(failed)
		}
	}()
	batch := make([]RawRow, 0, batchLen)
	err := c.InQuestion(ctx, func(row RawRow) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch = append(batch, row)
		if len(batch) == batchLen {
			full <- batch
			select {
			case batch = <-free:
			default:
				batch = make([]RawRow, 0, batchLen)
			}
		}
		return nil
	})
	if len(batch) > 0 {
		full <- batch
	}
	return err
}

// addRows validates a batch of rows, and returns what it panicked with.
func (r *cmdbRead) addRows(b []RawRow) (failed any) {
	defer func() { failed = recover() }()
	for _, row := range b {
		r.addRow(row)
	}
	return nil
}

// addRow validates one row: a pair in question, a reject, or (for a healthy
// row a driver should not have yielded) nothing.
func (r *cmdbRead) addRow(row RawRow) {
	p, reason := r.parser.parse(row)
	switch {
	case reason != "":
		r.rejects = append(r.rejects, rowReject(row, reason))
	case !healthy(p):
		if len(r.read) == cap(r.read) { // double: append's 1.25 copies tens of MB at 40k pairs
			r.read = slices.Grow(r.read, max(1024, len(r.read)))
		}
		r.read = append(r.read, p)
	}
}

// store writes the rows of a complete read at once, with their rejects
// and conflicts. The pairs come from parseRow, well-formed by
// construction: unlike AddPair's, they are not checked again. Into a new
// Observation the read's table goes whole.
func (obs *Observation) store(r cmdbRead) error {
	err := obs.write(func(t *tables) {
		if len(t.pairs.rows) == 0 {
			t.pairs = r.pairs.t
		} else {
			for _, e := range r.pairs.t.rows {
				t.pairs.put(e.key, e.val)
			}
		}
	})
	if err != nil {
		return fmt.Errorf("store CMDB rows: %w", err)
	}
	obs.AddRejects(r.rejects...)
	obs.AddConflicts(r.conflicts...)
	return nil
}

// addServers validates a server list and stores it: the servers, their
// rejects and conflicts. The servers that a conflict names (from the list
// or from the rows) are left out, and so are their pairs. It returns the
// conflicts the list shows.
func (o *Observer) addServers(obs *Observation, raw []RawServer) ([]Conflict, error) {
	servers, rejects, conflicts, blocked := parseServers(raw)
	held := obs.dropServers(blocked)
	for i := range conflicts {
		conflicts[i].Held += heldBy(conflicts[i], nil, held)
	}
	obs.AddConflicts(conflicts...)
	servers = slices.DeleteFunc(servers, func(s Server) bool { return obs.Conflicted(s.Name) })
	if err := obs.SetServers(servers...); err != nil {
		return nil, fmt.Errorf("store CMDB servers: %w", err)
	}
	obs.AddRejects(rejects...)
	return conflicts, nil
}

func (o *Observer) log() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}
