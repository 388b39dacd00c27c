package disk

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/site/sim/faults"
	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// siteJSON is site.json: the sim's bookkeeping, everything that no
// Windows file or CMDB table of a real site would hold. It names servers
// and packages, never indices, so that a person can read it.
type siteJSON struct {
	Format     int            `json:"format"`
	Scenario   string         `json:"scenario"`
	Seed       int64          `json:"seed"`
	Epoch      time.Time      `json:"epoch"`
	Duration   string         `json:"duration"`
	Servers    []serverJSON   `json:"servers"`
	Packages   []packageJSON  `json:"packages"`
	Faults     []faultJSON    `json:"faults"`
	EventsDone int            `json:"events_done"`
	Queued     []queuedJSON   `json:"queued_reports"`
	Stuck      []vocab.Host   `json:"stuck"`
	Applied    map[string]int `json:"applied"`
	Unsafe     int            `json:"unsafe_paths_touched"`
	// Cleared and Tried are the state of the ladder's faults
	// (status_report_fails, remedy_fails_once).
	Cleared []pairJSON  `json:"cleared,omitempty"`
	Tried   []triedJSON `json:"remedies_tried,omitempty"`
}

type pairJSON struct {
	Server  vocab.Host `json:"server"`
	Package vocab.GUID `json:"package"`
}

type triedJSON struct {
	Server vocab.Host `json:"server"`
	Kind   string     `json:"kind"`
}

type serverJSON struct {
	Name vocab.Host `json:"name"`
	ID   vocab.GUID `json:"id"`
}

type packageJSON struct {
	ID      vocab.GUID `json:"id"`
	Name    string     `json:"name"`
	Version string     `json:"version"`
}

// faultJSON is one resolved fault; from and end are offsets from the
// epoch (the unreachable and cmdb_down windows, the download ends).
type faultJSON struct {
	Index     int          `json:"index"`
	Kind      string       `json:"kind"`
	Servers   []vocab.Host `json:"servers,omitempty"`
	Packages  []vocab.GUID `json:"packages,omitempty"`
	From      string       `json:"from"`
	End       string       `json:"end"`
	PackageID string       `json:"package_id,omitempty"`
}

type queuedJSON struct {
	At        time.Time  `json:"at"`
	Server    vocab.Host `json:"server"`
	Rows      []rowJSON  `json:"rows,omitempty"`
	RestReady bool       `json:"rest_ready,omitempty"`
	BadRow    string     `json:"bad_row,omitempty"`
}

type rowJSON struct {
	Package vocab.GUID   `json:"package"`
	Status  vocab.Status `json:"status"`
	Version string       `json:"version"`
	Error   bool         `json:"error,omitempty"`
}

const siteFormat = 1

// encodeSite renders the catalog and bookkeeping as site.json.
func encodeSite(cat *world.Catalog, m *world.Meta) []byte {
	v := siteJSON{
		Format: siteFormat, Scenario: m.Scenario, Seed: m.Seed, Epoch: m.Epoch,
		Duration: m.Duration.String(), EventsDone: m.Done, Unsafe: m.Unsafe,
		Applied: map[string]int{}, Stuck: []vocab.Host{}, Queued: []queuedJSON{}, Faults: []faultJSON{},
	}
	for _, s := range cat.Servers {
		v.Servers = append(v.Servers, serverJSON{s.Name, s.ID})
	}
	for _, p := range cat.Packages {
		v.Packages = append(v.Packages, packageJSON{p.ID, p.Name, p.Version})
	}
	for _, f := range m.Faults {
		v.Faults = append(v.Faults, encodeFault(cat, f))
	}
	for _, w := range m.Queue {
		q := queuedJSON{At: w.At, Server: cat.Servers[w.Server].Name, RestReady: w.RestReady, BadRow: w.BadRow}
		for _, r := range w.Rows {
			q.Rows = append(q.Rows, rowJSON{cat.Packages[r.P].ID, r.Row.Status, r.Row.Version, r.Row.TrustErr})
		}
		v.Queued = append(v.Queued, q)
	}
	for _, s := range slices.Sorted(maps.Keys(m.Stuck)) {
		v.Stuck = append(v.Stuck, cat.Servers[s].Name)
	}
	for k, n := range m.Applied {
		v.Applied[string(k)] = n
	}
	v.Cleared, v.Tried = encodeLadderFaults(cat, m)
	return marshal(v)
}

func encodeFault(cat *world.Catalog, f faults.Fault) faultJSON {
	j := faultJSON{Index: f.Index, Kind: f.Kind, From: f.From.String(), End: f.End.String(), PackageID: f.PackageID}
	for _, s := range f.Servers {
		j.Servers = append(j.Servers, cat.Servers[s].Name)
	}
	for _, p := range f.Packages {
		j.Packages = append(j.Packages, cat.Packages[p].ID)
	}
	return j
}

// decodeSite reads site.json: the catalog (when cat is nil) and the
// bookkeeping. Every value is checked, since a person may edit the file.
func decodeSite(data []byte, cat *world.Catalog) (*world.Catalog, *world.Meta, error) {
	var v siteJSON
	if err := decodeStrict(layout.SiteFile, data, &v); err != nil {
		return nil, nil, err
	}
	if v.Format != siteFormat {
		return nil, nil, fmt.Errorf("%s: format %d, want %d", layout.SiteFile, v.Format, siteFormat)
	}
	if cat == nil {
		var err error
		if cat, err = decodeCatalog(v); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", layout.SiteFile, err)
		}
	}
	m, err := decodeMeta(v, cat)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", layout.SiteFile, err)
	}
	return cat, m, nil
}

func decodeCatalog(v siteJSON) (*world.Catalog, error) {
	cat := &world.Catalog{}
	for _, s := range v.Servers {
		h, err := vocab.ParseHost(string(s.Name))
		if err != nil {
			return nil, err
		}
		if !s.ID.Valid() {
			return nil, fmt.Errorf("server %s: not a canonical GUID: %q", h, vocab.Clip(string(s.ID)))
		}
		cat.Servers = append(cat.Servers, world.ServerInfo{Name: h, ID: s.ID})
	}
	for _, p := range v.Packages {
		if n, err := strconv.Atoi(p.Version); !p.ID.Valid() || err != nil || n < 1 || checkVersion(p.Version) != nil {
			return nil, fmt.Errorf("package %q: bad id or version", vocab.Clip(string(p.ID)))
		}
		cat.Packages = append(cat.Packages, world.PackageInfo{ID: p.ID, Name: p.Name, Version: p.Version})
	}
	if len(cat.Servers) == 0 || len(cat.Packages) == 0 {
		return nil, fmt.Errorf("no servers or no packages")
	}
	if !slices.IsSortedFunc(cat.Packages, func(a, b world.PackageInfo) int { return cmp.Compare(a.ID, b.ID) }) {
		return nil, fmt.Errorf("packages not in GUID order")
	}
	if err := cat.Index(); err != nil {
		return nil, err
	}
	return cat, nil
}

func decodeMeta(v siteJSON, cat *world.Catalog) (*world.Meta, error) {
	d, err := time.ParseDuration(v.Duration)
	if err != nil {
		return nil, fmt.Errorf("duration: %w", err)
	}
	m := &world.Meta{
		Scenario: v.Scenario, Seed: v.Seed, Epoch: v.Epoch, Duration: d, Done: v.EventsDone,
		Unsafe: v.Unsafe, Stuck: map[int]bool{}, Applied: map[actions.Kind]int{},
	}
	for _, f := range v.Faults {
		pf, err := decodeFault(f, cat)
		if err != nil {
			return nil, fmt.Errorf("faults[%d]: %w", f.Index, err)
		}
		m.Faults = append(m.Faults, pf)
	}
	for _, q := range v.Queued {
		w, err := decodeQueued(q, cat)
		if err != nil {
			return nil, fmt.Errorf("queued_reports: %w", err)
		}
		m.Queue = append(m.Queue, w)
	}
	for _, h := range v.Stuck {
		s, ok := cat.Server(h)
		if !ok {
			return nil, fmt.Errorf("stuck: unknown server %q", vocab.Clip(string(h)))
		}
		m.Stuck[s] = true
	}
	for k, n := range v.Applied {
		kind, err := actions.ParseKind(k)
		if err != nil {
			return nil, fmt.Errorf("applied: %w", err)
		}
		m.Applied[kind] = n
	}
	return m, decodeLadderFaults(v, cat, m)
}

func decodeFault(f faultJSON, cat *world.Catalog) (faults.Fault, error) {
	if !slices.Contains(scenario.FaultKinds, f.Kind) {
		return faults.Fault{}, fmt.Errorf("unknown kind %q", vocab.Clip(f.Kind))
	}
	pf := faults.Fault{Index: f.Index, Kind: f.Kind, PackageID: f.PackageID}
	var err error
	if pf.From, err = time.ParseDuration(f.From); err != nil {
		return pf, err
	}
	if pf.End, err = time.ParseDuration(f.End); err != nil {
		return pf, err
	}
	if pf.Servers, err = serverIndices(cat, f.Servers); err != nil {
		return pf, err
	}
	pf.Packages, err = packageIndices(cat, f.Packages)
	return pf, err
}

func decodeQueued(q queuedJSON, cat *world.Catalog) (world.RowWrite, error) {
	s, ok := cat.Server(q.Server)
	if !ok {
		return world.RowWrite{}, fmt.Errorf("unknown server %q", vocab.Clip(string(q.Server)))
	}
	w := world.RowWrite{At: q.At, Server: s, RestReady: q.RestReady, BadRow: q.BadRow}
	for _, r := range q.Rows {
		p, ok := cat.Package(r.Package)
		st := vocab.NormalizeStatus(string(r.Status))
		if !ok || (st != vocab.Ready && st != vocab.Invalid && st != vocab.Pending) || checkVersion(r.Version) != nil && r.Version != "" {
			return world.RowWrite{}, fmt.Errorf("bad row for package %q", vocab.Clip(string(r.Package)))
		}
		w.Rows = append(w.Rows, world.RowPut{P: p, Row: world.Row{Status: st, Version: r.Version, TrustErr: r.Error}})
	}
	return w, nil
}

func serverIndices(cat *world.Catalog, names []vocab.Host) ([]int, error) {
	var out []int
	for _, h := range names {
		s, ok := cat.Server(h)
		if !ok {
			return nil, fmt.Errorf("unknown server %q", vocab.Clip(string(h)))
		}
		out = append(out, s)
	}
	return out, nil
}

func packageIndices(cat *world.Catalog, ids []vocab.GUID) ([]int, error) {
	var out []int
	for _, g := range ids {
		p, ok := cat.Package(g)
		if !ok {
			return nil, fmt.Errorf("unknown package %q", vocab.Clip(string(g)))
		}
		out = append(out, p)
	}
	return out, nil
}
