package itms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// Where a package server keeps its packages and their status files. The
// sources disagree, so the driver looks in every place they name, on each
// server, unless the policy overrides it (docs/itms.md, "Storage
// locations"):
//   - KB 179719: C:\ProgramData\Symantec\Symantec Agent\Package Delivery and
//     ...\Package Server Agent\PackageStatus;
//   - KBs 150359, 416627: <agent install folder>\Package Delivery by default,
//     or a custom primary location the NS sends in the policy's
//     windowsLocation element;
//   - KBs 181052, 178503: <agent install folder>\Package Server Agent\Package Status.
const (
	agentRegistryKey   = `HKLM:\SOFTWARE\Altiris\Altiris Agent`
	agentInstallValue  = "InstallDir"
	locationXPath      = "//*[local-name()='windowsLocation']"
	locationDefault    = "_default_" // the hint of windowsLocation when no custom path is set (KB 150359)
	kbAgentData        = `C:\ProgramData\Symantec\Symantec Agent`
	deliveryFolder     = `Package Delivery`
	statusFolderSpaced = `Package Server Agent\Package Status`
	statusFolderJoined = `Package Server Agent\PackageStatus`
	maxPolicyBytes     = 4 << 20 // client policy files read for windowsLocation
	maxLocationValues  = 16
	locateTTL          = time.Hour // locations change rarely (KB 150359: "an expensive operation")
)

// locateParams are locate_agent's parameters.
type locateParams struct {
	RegistryKey    string `json:"registry_key"`
	InstallValue   string `json:"install_value"`
	ClientPolicies string `json:"client_policies"`
	LocationXPath  string `json:"location_xpath"`
	MaxPolicyBytes int    `json:"max_policy_bytes"`
	MaxValues      int    `json:"max_values"`
}

// locateReply is locate_agent's reply: the agent's install folder from the
// registry ("" when absent) and the values of windowsLocation elements in
// the client policy files (their text and attribute values).
type locateReply struct {
	OK         bool     `json:"ok"`
	InstallDir string   `json:"install_dir"`
	Locations  []string `json:"locations"`
}

// locations are the candidate folders of one server, in the order the
// driver prefers them, each a checked Windows folder.
type locations struct {
	delivery []string
	status   []string
	notes    []string // what was discarded, for the log
}

// cachedLocations is a server's candidates and, once an observation saw
// them, the ones that exist (which actions use).
type cachedLocations struct {
	at       time.Time
	loc      locations
	existing *locations // nil until observed
}

// locator caches each server's locations.
type locator struct {
	mu    sync.Mutex
	now   func() time.Time
	cache map[vocab.Host]cachedLocations
}

func (l *locator) get(h vocab.Host) (cachedLocations, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.cache[hostKey(h)]
	if !ok || l.now().Sub(c.at) > locateTTL {
		return cachedLocations{}, false
	}
	return c, true
}

func (l *locator) put(h vocab.Host, c cachedLocations) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cache == nil {
		l.cache = map[vocab.Host]cachedLocations{}
	}
	l.cache[hostKey(h)] = c
}

func hostKey(h vocab.Host) vocab.Host { return vocab.Host(strings.ToLower(string(h))) }

// candidates returns the server's candidate folders, from the cache or a
// locate_agent run.
func (s *Site) candidates(ctx context.Context, server vocab.Host) (locations, error) {
	if c, ok := s.loc.get(server); ok {
		return c.loc, nil
	}
	a := s.cfg.Agent
	var r locateReply
	if a.PackageDelivery == "" || a.PackageStatus == "" {
		p := locateParams{RegistryKey: agentRegistryKey, InstallValue: agentInstallValue, ClientPolicies: a.ClientPolicies,
			LocationXPath: locationXPath, MaxPolicyBytes: maxPolicyBytes, MaxValues: maxLocationValues}
		if err := s.call(ctx, server, opLocateAgent, p, &r); err != nil {
			return locations{}, s.scrub(err)
		}
	}
	loc := buildLocations(a.PackageDelivery, a.PackageStatus, r)
	for _, n := range loc.notes {
		s.log.Warn("location discarded", "server", server, "note", n)
	}
	s.loc.put(server, cachedLocations{at: s.loc.now(), loc: loc})
	return loc, nil
}

// errNotLocated: an action needs the folders of a server that no
// observation found yet (or whose locations expired). Not terminal: the
// next pass observes the server first.
var errNotLocated = errors.New("the server's package folders are not known yet")

// existing returns the folders an observation found on the server, for an
// action. A server not observed since the driver started (or since its
// locations expired) is an error: the action waits for the next pass.
func (s *Site) existing(server vocab.Host) (locations, error) {
	c, ok := s.loc.get(server)
	if !ok || c.existing == nil {
		return locations{}, fmt.Errorf("%w: %s must be observed first", errNotLocated, server)
	}
	return *c.existing, nil
}

// remember stores the folders an observation found.
func (s *Site) remember(server vocab.Host, loc, found locations) {
	s.loc.put(server, cachedLocations{at: s.loc.now(), loc: loc, existing: &found})
}

// buildLocations turns overrides and locate_agent's reply into checked
// candidate folders. Values that are not plain local folders are dropped
// (and noted): they never reach a request.
func buildLocations(delivery, status string, r locateReply) locations {
	var loc locations
	add := func(list *[]string, p, from string) {
		if err := vocab.CheckWindowsFolder(p); err != nil {
			loc.notes = append(loc.notes, fmt.Sprintf("%s %q: %v", from, vocab.Clip(p), err))
			return
		}
		if !slices.ContainsFunc(*list, func(q string) bool { return strings.EqualFold(p, q) }) {
			*list = append(*list, p)
		}
	}
	install := strings.TrimRight(strings.TrimSpace(r.InstallDir), `\`)
	if delivery != "" {
		add(&loc.delivery, delivery, "package_delivery")
	} else {
		for i, v := range r.Locations {
			if i >= maxLocationValues {
				break
			}
			v = strings.TrimRight(strings.TrimSpace(v), `\`)
			if v == "" || strings.EqualFold(v, locationDefault) {
				continue
			}
			add(&loc.delivery, v, "windowsLocation")
			add(&loc.delivery, v+`\`+deliveryFolder, "windowsLocation")
		}
		if install != "" {
			add(&loc.delivery, install+`\`+deliveryFolder, "InstallDir")
		}
		add(&loc.delivery, kbAgentData+`\`+deliveryFolder, "KB 179719")
	}
	if status != "" {
		add(&loc.status, status, "package_status")
	} else {
		if install != "" {
			add(&loc.status, install+`\`+statusFolderSpaced, "InstallDir")
			add(&loc.status, install+`\`+statusFolderJoined, "InstallDir")
		}
		add(&loc.status, kbAgentData+`\`+statusFolderJoined, "KB 179719")
		add(&loc.status, kbAgentData+`\`+statusFolderSpaced, "KB 181052")
	}
	return loc
}
