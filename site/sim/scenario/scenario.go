// Package scenario is the simulated site's scenario file (DESIGN §7): what
// a site is made of (servers, packages, the NS credential, a seed, a
// duration) and what is broken in it, fault by fault. It decodes and
// validates the JSON with every error at FILE:LINE:COL, fills in defaults,
// bounds what a file may ask for, and ships the built-in scenarios (demo,
// healthy).
//
// It only describes: resolving the faults against a site is package
// faults, building and breaking the site is package world.
package scenario

import (
	"embed"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// Scenario describes a simulated site and what is broken in it (DESIGN §7).
// Parse fills in defaults, so a parsed scenario is complete.
type Scenario struct {
	Name       string
	Seed       int64
	Servers    int
	Packages   int
	Credential vocab.Credential
	// Duration is how long a simulation runs (default 24h). A fault whose
	// For is zero lasts until then.
	Duration time.Duration
	Faults   []Fault
}

// Fault is one fault of a scenario. Exactly one of Servers and Count says
// which servers it hits, except for cmdb_down (no servers) and bad_row
// (one server; a count of 1 when neither is given).
type Fault struct {
	Kind    string
	Servers []string
	Count   int
	// Packages is how many packages the fault hits on each of its servers,
	// the same packages on each. Zero for faults that hit whole servers.
	Packages int
	// From is when the fault starts; For how long it lasts (windows and
	// downloads only; zero means until the scenario's Duration).
	From, For time.Duration
	// PackageID is the raw PackageId of a bad_row: any string.
	PackageID string
}

// Fault kinds (DESIGN §7, plus stale_status_file so that every cause of
// DESIGN §3 can be shown).
const (
	CredentialNotReceived = "credential_not_received"
	CredentialStuck       = "credential_stuck"
	ACLMissing            = "acl_missing"
	StatusLost            = "status_lost"
	StalePSSnapshot       = "stale_ps_snapshot"
	StaleNSSnapshot       = "stale_ns_snapshot"
	StaleStatusFile       = "stale_status_file"
	Unreachable           = "unreachable"
	CMDBDown              = "cmdb_down"
	Downloading           = "downloading"
	BadRow                = "bad_row"
	// The faults of the escalation ladder (DESIGN §7, second round):
	// reports of some packages fail until Procedure 2 clears the files;
	// every report fails with 1789 and nothing fixes it; the first
	// application of each remedy on the servers has no effect.
	StatusReportFails = "status_report_fails"
	TrustBroken       = "trust_broken"
	RemedyFailsOnce   = "remedy_fails_once"
	// CredentialLocked: the Agent Connectivity Credential account is
	// locked out or expired (KB 194234): every report those servers make
	// is refused, agent.log shows the lockout, and nothing we do fixes it.
	CredentialLocked = "credential_locked"
)

// FaultKinds lists every fault kind, in the order of DESIGN §7.
var FaultKinds = []string{
	CredentialNotReceived, CredentialStuck, ACLMissing, StatusLost,
	StalePSSnapshot, StaleNSSnapshot, Unreachable, CMDBDown, Downloading,
	BadRow, StaleStatusFile, StatusReportFails, TrustBroken, RemedyFailsOnce, CredentialLocked,
}

// kindInfo says which fields a fault kind takes.
type kindInfo struct {
	servers  bool // hits servers (all kinds but cmdb_down)
	packages int  // default for "packages": 0 none taken, -1 every package, n
	window   bool // takes "for"
}

var kinds = map[string]kindInfo{
	CredentialNotReceived: {servers: true},
	CredentialStuck:       {servers: true},
	ACLMissing:            {servers: true},
	StatusLost:            {servers: true, packages: -1},
	StalePSSnapshot:       {servers: true, packages: 1},
	StaleNSSnapshot:       {servers: true, packages: 1},
	StaleStatusFile:       {servers: true, packages: 1},
	Unreachable:           {servers: true, window: true},
	CMDBDown:              {window: true},
	Downloading:           {servers: true, packages: 1, window: true},
	BadRow:                {servers: true},
	StatusReportFails:     {servers: true, packages: 1},
	TrustBroken:           {servers: true},
	RemedyFailsOnce:       {servers: true},
	CredentialLocked:      {servers: true},
}

// DefaultDuration is a scenario's duration when the file gives none.
const DefaultDuration = 24 * time.Hour

// Limits on what a scenario may ask for, so that a typo (or a hostile
// file of a hundred bytes) cannot ask for a site that does not fit in
// memory or a run of CPU-hours. The benchmarks need 2M pairs, the
// escalation ladder 7 days.
const (
	MaxServers  = 100_000
	MaxPackages = 100_000
	MaxPairs    = 10_000_000
	// MaxDuration bounds duration and each fault's "for".
	MaxDuration = 31 * 24 * time.Hour
	// MaxFaults bounds the faults of a scenario.
	MaxFaults = 1_000
	// MaxFaultPairs bounds the pairs the faults hit in all (a fault that
	// takes no "packages" hits every package of its servers).
	MaxFaultPairs = 2 * MaxPairs
)

// Load reads and parses a scenario file.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(path, data)
}

//go:embed scenarios/*.json
var builtinFS embed.FS

// Builtin returns a scenario shipped with the binary: "demo" or "healthy".
func Builtin(name string) (*Scenario, error) {
	known := BuiltinNames()
	if !slices.Contains(known, name) {
		return nil, fmt.Errorf("unknown built-in scenario %q (known: %s)", vocab.Clip(name), strings.Join(known, ", "))
	}
	file := path.Join("scenarios", name+".json")
	data, err := builtinFS.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read built-in scenario: %w", err)
	}
	return Parse(file, data)
}

// BuiltinNames lists the built-in scenarios, sorted.
func BuiltinNames() []string {
	entries, err := builtinFS.ReadDir("scenarios")
	if err != nil {
		panic(err) // the embedded folder is part of the binary
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	slices.Sort(names)
	return names
}

// ServerName returns the name of the i-th server (0-based) of a site with
// n servers: PS001, PS002, ... with at least three digits, more when n
// needs them, so that names sort in index order.
func ServerName(i, n int) string {
	width := max(3, len(fmt.Sprint(n)))
	return fmt.Sprintf("PS%0*d", width, i+1)
}

// Summary renders the scenario for people and golden files, one fault a
// line, defaults filled in.
func (sc *Scenario) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s: seed %d, %d servers x %d packages (%d pairs), credential %s, duration %s\n",
		sc.Name, sc.Seed, sc.Servers, sc.Packages, sc.Servers*sc.Packages, sc.Credential, sc.Duration)
	for i, f := range sc.Faults {
		fmt.Fprintf(&b, "faults[%d] %s", i, f.Kind)
		switch {
		case len(f.Servers) > 0:
			fmt.Fprintf(&b, " servers=%s", strings.Join(f.Servers, ","))
		case f.Count > 0:
			fmt.Fprintf(&b, " count=%d", f.Count)
		}
		if f.Packages > 0 {
			fmt.Fprintf(&b, " packages=%d", f.Packages)
		}
		fmt.Fprintf(&b, " from=%s", f.From)
		if kinds[f.Kind].window {
			fmt.Fprintf(&b, " for=%s", f.For)
		}
		if f.PackageID != "" {
			fmt.Fprintf(&b, " package_id=%q", f.PackageID)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// stem is the file name without folder and extension: a scenario's
// default name.
func stem(file string) string {
	base := filepath.Base(filepath.ToSlash(file))
	return strings.TrimSuffix(base, filepath.Ext(base))
}
