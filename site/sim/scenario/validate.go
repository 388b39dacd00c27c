package scenario

import (
	"fmt"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// finish validates the raw scenario and fills in defaults.
func (r *rawScenario) finish(d *jsonDoc) (*Scenario, error) {
	sc := &Scenario{Name: r.name, Seed: r.seed, Servers: r.servers, Packages: r.packages, Credential: r.credential}
	if _, ok := r.at["name"]; !ok {
		sc.Name = stem(d.file)
	}
	if err := r.sizes(d); err != nil {
		return nil, err
	}
	if _, ok := r.at["credential"]; !ok {
		return nil, d.errAt(r.start, "credential: missing")
	}
	if err := sc.Credential.Validate(); err != nil {
		return nil, d.errAt(r.at["credential"], "credential: %s", err)
	}
	sc.Duration = DefaultDuration
	if at, ok := r.at["duration"]; ok {
		v, err := d.duration(r.duration, at, "duration")
		if err != nil {
			return nil, err
		}
		if v == 0 {
			return nil, d.errAt(at, "duration: must be positive")
		}
		if v > MaxDuration {
			return nil, d.errAt(at, "duration: at most %s (31 days), not %q", MaxDuration, vocab.Clip(r.duration))
		}
		sc.Duration = v
	}
	var hit int64
	for i := range r.faults {
		f, err := r.faults[i].finish(d, i, sc)
		if err != nil {
			return nil, err
		}
		if hit += faultPairs(f, sc); hit > MaxFaultPairs {
			return nil, d.errAt(r.faults[i].start, "faults[%d]: the faults hit more than %d server-package pairs in all (%d so far)",
				i, MaxFaultPairs, hit)
		}
		sc.Faults = append(sc.Faults, f)
	}
	return sc, nil
}

// faultPairs is how many pairs a fault hits: its servers times its
// packages, or every package for kinds that take none (a server whose
// credential or ACL is broken fails every report).
func faultPairs(f Fault, sc *Scenario) int64 {
	servers := int64(len(f.Servers) + f.Count)
	if f.Kind == CMDBDown {
		return 0
	}
	pkgs := int64(f.Packages)
	if kinds[f.Kind].packages == 0 {
		pkgs = int64(sc.Packages)
	}
	return servers * pkgs
}

func (r *rawScenario) sizes(d *jsonDoc) error {
	for _, c := range []struct {
		key string
		v   int
		max int
	}{{"servers", r.servers, MaxServers}, {"packages", r.packages, MaxPackages}} {
		at, ok := r.at[c.key]
		if !ok {
			return d.errAt(r.start, "%s: missing", c.key)
		}
		if c.v < 1 || c.v > c.max {
			return d.errAt(at, "%s: must be between 1 and %d, not %d", c.key, c.max, c.v)
		}
	}
	if pairs := int64(r.servers) * int64(r.packages); pairs > MaxPairs {
		return d.errAt(r.at["packages"], "packages: %d servers x %d packages is more than %d pairs", r.servers, r.packages, MaxPairs)
	}
	return nil
}

// finish validates one fault against its scenario.
func (r *rawFault) finish(d *jsonDoc, i int, sc *Scenario) (Fault, error) {
	f := Fault{Kind: r.kind, Count: r.count, PackageID: r.packageID}
	fail := func(key string, format string, args ...any) (Fault, error) {
		at, ok := r.at[key]
		if !ok {
			at = r.start
		}
		return Fault{}, d.errAt(at, "faults[%d]: %s", i, fmt.Sprintf(format, args...))
	}
	if _, ok := r.at["kind"]; !ok {
		return fail("", "missing \"kind\"")
	}
	info, ok := kinds[r.kind]
	if !ok {
		return fail("kind", "unknown kind %q (known: %s)", vocab.Clip(r.kind), strings.Join(FaultKinds, ", "))
	}
	if key, msg := r.servers0(info, sc, &f); msg != "" {
		return fail(key, "%s", msg)
	}
	if key, msg := r.packages0(info, sc, &f); msg != "" {
		return fail(key, "%s", msg)
	}
	if key, msg := r.packageID0(); msg != "" {
		return fail(key, "%s", msg)
	}
	return r.times(d, i, info, sc, f)
}

// servers0 checks "servers" and "count" and fills f.Servers (canonical
// names) or f.Count. It returns the offending key and a message.
func (r *rawFault) servers0(info kindInfo, sc *Scenario, f *Fault) (string, string) {
	_, hasServers := r.at["servers"]
	_, hasCount := r.at["count"]
	switch {
	case !info.servers && (hasServers || hasCount):
		key := "servers"
		if !hasServers {
			key = "count"
		}
		return key, fmt.Sprintf("%s takes no servers", r.kind)
	case !info.servers:
		return "", ""
	case hasServers && hasCount:
		return "count", `"servers" and "count" exclude each other`
	case hasCount && (r.count < 1 || r.count > sc.Servers):
		return "count", fmt.Sprintf("count must be between 1 and the %d servers, not %d", sc.Servers, r.count)
	case hasServers && len(r.servers) == 0:
		return "servers", "servers: empty list"
	case !hasServers && !hasCount && r.kind != BadRow:
		return "", `needs "servers" or "count"`
	case !hasServers && !hasCount:
		f.Count = 1
	}
	seen := map[string]bool{}
	for _, name := range r.servers {
		canon, ok := serverIndex(name, sc.Servers)
		if !ok {
			return "servers", fmt.Sprintf("unknown server %q (servers are %s to %s)",
				vocab.Clip(name), ServerName(0, sc.Servers), ServerName(sc.Servers-1, sc.Servers))
		}
		c := ServerName(canon, sc.Servers)
		if seen[c] {
			return "servers", fmt.Sprintf("server %s listed twice", c)
		}
		seen[c] = true
		f.Servers = append(f.Servers, c)
	}
	if r.kind == BadRow && (len(f.Servers) > 1 || f.Count > 1) {
		if !hasServers {
			return "count", "bad_row takes one server"
		}
		return "servers", "bad_row takes one server"
	}
	return "", ""
}

// serverIndex finds a server by name (case-insensitive) in a site of n.
func serverIndex(name string, n int) (int, bool) {
	u := strings.ToUpper(name)
	if len(u) < 3 || !strings.HasPrefix(u, "PS") {
		return 0, false
	}
	var i int
	if _, err := fmt.Sscanf(u[2:], "%d", &i); err != nil || i < 1 || i > n {
		return 0, false
	}
	if ServerName(i-1, n) != u {
		return 0, false
	}
	return i - 1, true
}

// packages0 checks "packages" and fills in its default.
func (r *rawFault) packages0(info kindInfo, sc *Scenario, f *Fault) (string, string) {
	_, given := r.at["packages"]
	switch {
	case info.packages == 0 && given:
		return "packages", fmt.Sprintf("%s takes no \"packages\"", r.kind)
	case info.packages == 0:
		return "", ""
	case !given && info.packages < 0:
		f.Packages = sc.Packages
	case !given:
		f.Packages = min(info.packages, sc.Packages)
	case r.packages < 1 || r.packages > sc.Packages:
		return "packages", fmt.Sprintf("packages must be between 1 and the %d packages, not %d", sc.Packages, r.packages)
	default:
		f.Packages = r.packages
	}
	return "", ""
}

// packageID0 checks "package_id": required by bad_row, refused elsewhere.
func (r *rawFault) packageID0() (string, string) {
	_, given := r.at["package_id"]
	switch {
	case r.kind == BadRow && (!given || r.packageID == ""):
		return "package_id", `bad_row needs "package_id"`
	case r.kind != BadRow && given:
		return "package_id", `only bad_row takes "package_id"`
	case len(r.packageID) > 1024:
		return "package_id", "package_id: longer than 1024 bytes"
	}
	return "", ""
}

// times parses "from" and "for".
func (r *rawFault) times(d *jsonDoc, i int, info kindInfo, sc *Scenario, f Fault) (Fault, error) {
	p := fmt.Sprintf("faults[%d]", i)
	if at, ok := r.at["from"]; ok {
		v, err := d.duration(r.from, at, p+".from")
		if err != nil {
			return Fault{}, err
		}
		if v > sc.Duration {
			return Fault{}, d.errAt(at, "%s: from %s is after the end of the scenario (%s)", p, v, sc.Duration)
		}
		f.From = v
	}
	if at, ok := r.at["for"]; ok {
		if !info.window {
			return Fault{}, d.errAt(at, "%s: %s takes no \"for\"", p, r.kind)
		}
		v, err := d.duration(r.forDur, at, p+".for")
		if err != nil {
			return Fault{}, err
		}
		if v > MaxDuration {
			return Fault{}, d.errAt(at, "%s.for: at most %s (31 days), not %q", p, MaxDuration, vocab.Clip(r.forDur))
		}
		f.For = v
	}
	return f, nil
}
