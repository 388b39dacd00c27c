// Package estate builds the simulated estates that bench/run measures: a
// scenario with a given size and share of pairs not Ready, its CMDB as a
// SQLite file (cached), and the in-memory simulated site of the same
// scenario and seed that answers for the agents and the NS.
//
// The CMDB file is written from that memory site, so that the production
// query over the file yields exactly the rows in question the site's own
// CMDB yields (Generate checks it, row by row): the pass reads the CMDB the
// way the daemon reads SQL Server, and the agents it then observes are the
// ones the rows name, with the same GUIDs and faults.
//
// It must not be imported by the daemon: it exists for measurements.
package estate

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/itms-tools/reconciler/site/sim/scenario"
)

// Spec is the size of an estate and how broken it is.
type Spec struct {
	Servers  int
	Packages int
	// NotReady is the share of pairs to break, 0 to 0.5 (0.02 is 2 %); 0
	// is an idle estate, with nothing to do.
	NotReady float64
	// PerPackage is the share of the broken pairs broken package by package
	// (stale snapshots and status files, downloads) rather than by faults
	// that break a whole server (credential, ACL, lost status). The
	// examples' large estate has about 5 %, the default; 0.6 makes a plan
	// with an action or two per broken pair.
	PerPackage float64
	Seed       int64
	// Incident, when set, is a fault kind that breaks whole servers
	// (status_lost, credential_not_received) put on every server: every
	// pair not Ready, as in the incident KB 179719 is about. NotReady and
	// PerPackage are then ignored.
	Incident string
	// StaleOnOne, when above 0, adds that many stale PS snapshots on one
	// server (a plan with that many deletions on it).
	StaleOnOne int
	// NoStatusIndex leaves IX_SWDPackageServer_Status out of the CMDB, as
	// the vendor's schema may ship.
	NoStatusIndex bool
}

// DefaultPerPackage is large-estate.json's share of pairs broken package by
// package (2,580 of 68,080).
const DefaultPerPackage = 0.05

// Epoch is the simulated sites' creation time: every process that builds
// the memory site of an estate builds the same one.
var Epoch = time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC)

// Account is the Package Service account of every bench estate; the bench
// policy names it too.
const Account = `CORP\svc-itms-acc`

// Pairs is the number of (server, package) pairs.
func (s Spec) Pairs() int { return s.Servers * s.Packages }

// Name names the estate in the cache: size, share and seed.
func (s Spec) Name() string {
	n := fmt.Sprintf("s%d-p%d-nr%g-pp%g-seed%d", s.Servers, s.Packages, s.NotReady*100, s.PerPackage*100, s.Seed)
	if s.Incident != "" {
		n = fmt.Sprintf("s%d-p%d-%s-seed%d", s.Servers, s.Packages, s.Incident, s.Seed)
	}
	if s.StaleOnOne > 0 {
		n += fmt.Sprintf("-one%d", s.StaleOnOne)
	}
	if s.NoStatusIndex {
		n += "-noix"
	}
	return n
}

// Check validates a spec.
func (s Spec) Check() error {
	switch {
	case s.Servers < 1 || s.Servers > scenario.MaxServers:
		return fmt.Errorf("servers: must be between 1 and %d", scenario.MaxServers)
	case s.Packages < 1 || s.Packages > scenario.MaxPackages:
		return fmt.Errorf("packages: must be between 1 and %d", scenario.MaxPackages)
	case s.NotReady < 0 || s.NotReady > 0.5:
		return fmt.Errorf("not-ready share: must be between 0 and 0.5, not %g", s.NotReady)
	case s.PerPackage < 0 || s.PerPackage > 1:
		return fmt.Errorf("per-package share: must be between 0 and 1, not %g", s.PerPackage)
	case s.Incident != "" && s.Incident != scenario.StatusLost && s.Incident != scenario.CredentialNotReceived:
		return fmt.Errorf("incident: %s or %s, not %q", scenario.StatusLost, scenario.CredentialNotReceived, s.Incident)
	case s.StaleOnOne < 0 || s.StaleOnOne > s.Packages:
		return fmt.Errorf("stale packages on one server: between 0 and the %d packages, not %d", s.Packages, s.StaleOnOne)
	case s.Pairs() > scenario.MaxPairs:
		return fmt.Errorf("%d pairs: more than the simulator's %d", s.Pairs(), scenario.MaxPairs)
	}
	return nil
}

// fault is one scenario fault in the JSON of DESIGN §7.
type fault struct {
	Kind      string `json:"kind"`
	Count     int    `json:"count,omitempty"`
	Packages  int    `json:"packages,omitempty"`
	For       string `json:"for,omitempty"`
	PackageID string `json:"package_id,omitempty"`
}

type scenarioJSON struct {
	Name       string            `json:"name"`
	Seed       int64             `json:"seed"`
	Servers    int               `json:"servers"`
	Packages   int               `json:"packages"`
	Credential map[string]string `json:"credential"`
	Duration   string            `json:"duration"`
	Faults     []fault           `json:"faults"`
}

// ScenarioJSON returns the scenario of a spec. About NotReady × pairs
// rows are broken by the fault mix of examples/scenarios/large-estate.json:
// a PerPackage share of them by faults on a few packages of a fifth of the
// servers (stale NS snapshot 38 %, stale PS snapshot 30 %, stale status
// file 20 %, download in progress 12 % of those servers), the rest by
// faults that break whole servers (status lost 46 %, credential not
// received 30 %, ACL missing 19 %, credential stuck 5 % of those servers,
// stuck at least once from four servers on). Plus one bad row, which the
// pass must report and never act on. The site picks fresh servers and
// packages for each fault, so faults do not overlap while servers last;
// the exact count is what the CMDB holds (Meta.NotReady).
func ScenarioJSON(s Spec) ([]byte, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	sc := scenarioJSON{
		Name: s.Name(), Seed: s.Seed, Servers: s.Servers, Packages: s.Packages,
		Credential: map[string]string{"mode": "acc", "account": Account},
		Duration:   "24h", Faults: faults(s),
	}
	if sc.Faults == nil {
		sc.Faults = []fault{}
	}
	return json.MarshalIndent(sc, "", "  ")
}

// faults splits the broken pairs between the fault kinds.
func faults(s Spec) []fault {
	if s.Incident != "" {
		return []fault{{Kind: s.Incident, Count: s.Servers}, {Kind: scenario.BadRow, PackageID: `..\..\Windows\System32`}}
	}
	out := mix(s)
	if s.StaleOnOne > 0 {
		out = append(out, fault{Kind: scenario.StalePSSnapshot, Count: 1, Packages: s.StaleOnOne})
	}
	return out
}

// mix splits NotReady × pairs broken pairs between the fault kinds.
func mix(s Spec) []fault {
	target := int(math.Round(float64(s.Pairs()) * s.NotReady))
	if target == 0 {
		return nil
	}
	perPkg := int(math.Round(float64(target) * s.PerPackage))
	whole := min(int(math.Round(float64(target-perPkg)/float64(s.Packages))), s.Servers/2)
	perPkg = max(target-whole*s.Packages, 0)
	var out []fault
	if whole > 0 {
		stuck := 0
		if whole >= 4 {
			stuck = max(1, whole*5/100)
		}
		notRecv := whole * 30 / 100
		acl := whole * 19 / 100
		lost := whole - stuck - notRecv - acl
		out = appendCount(out, scenario.StatusLost, lost, 0)
		out = appendCount(out, scenario.CredentialNotReceived, notRecv, 0)
		out = appendCount(out, scenario.ACLMissing, acl, 0)
		out = appendCount(out, scenario.CredentialStuck, stuck, 0)
	}
	free := s.Servers - whole
	if perPkg > 0 && free > 0 {
		n := min(free, max(1, s.Servers/5))
		k := min(max((perPkg+n-1)/n, 1), s.Packages)
		n = min((perPkg+k-1)/k, free)
		shares := []struct {
			kind  string
			share int // percent of n
		}{{scenario.StaleNSSnapshot, 38}, {scenario.StalePSSnapshot, 30}, {scenario.StaleStatusFile, 20}, {scenario.Downloading, 12}}
		left := n
		for i, sh := range shares {
			c := n * sh.share / 100
			if i == len(shares)-1 {
				c = left
			}
			c = min(c, left)
			left -= c
			out = appendCount(out, sh.kind, c, k)
		}
	}
	return append(out, fault{Kind: scenario.BadRow, PackageID: `..\..\Windows\System32`})
}

func appendCount(out []fault, kind string, count, packages int) []fault {
	if count <= 0 {
		return out
	}
	f := fault{Kind: kind, Count: count, Packages: packages}
	if kind == scenario.Downloading {
		f.For = "2h"
	}
	return append(out, f)
}
