package planner_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/actions/planner"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

var maxStates = 100_000

// goal is what a search must reach: the desired state with the policy's
// credential, on every server but those in skip (unreachable: nothing can
// be done for them now).
type goal struct {
	want vocab.Credential
	skip map[vocab.Host]bool
}

var propT0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// TestPlannerIsShortest checks the planner against brute force on many
// small random estates: applied in order, its plan reaches the desired
// state, and a breadth-first search over every action sequence (using the
// simulated site's effects, DESIGN §6) finds no shorter one.
func TestPlannerIsShortest(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 50
	}
	for seed := 1; seed <= n; seed++ {
		sc, want := randomEstate(uint64(seed))
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			checkShortest(t, sc, want)
		})
	}
}

func checkShortest(t *testing.T, sc *scenario.Scenario, want vocab.Credential) {
	ctx := context.Background()
	site, err := sim.NewMemory(sc, sc.Seed, sim.Options{Clock: clock.NewFake(propT0)})
	if err != nil {
		t.Fatal(err)
	}
	plan := planFor(ctx, t, site, want)
	checkMinimal(ctx, t, site, plan, goal{want: want}, describe(sc, want))
}

// checkMinimal applies the plan to a copy of the site and checks that it
// reaches the goal, and that no shorter sequence of actions does.
func checkMinimal(ctx context.Context, t *testing.T, site *sim.Site, plan actions.Plan, g goal, estate string) {
	t.Helper()
	applied := site.Clone()
	for _, a := range plan.Actions {
		if err := applied.Apply(ctx, a); err != nil {
			t.Fatalf("%s\nplan step %s: %v", estate, a.ID, err)
		}
	}
	if !reached(ctx, t, applied, g) {
		t.Fatalf("%s\nplan of %d steps does not reach the desired state: %v", estate, len(plan.Actions), ids(plan))
	}
	checkBoundAlongPlan(ctx, t, site, plan, g)
	shorter, _ := search(ctx, t, site, g, len(plan.Actions)-1)
	if shorter == nil && len(plan.Actions) <= 3 {
		shorter = breadthFirst(ctx, t, site, g, len(plan.Actions)-1)
	}
	if shorter != nil {
		t.Fatalf("%s\nplanner: %d steps %v\nshorter: %d steps %v", estate, len(plan.Actions), ids(plan), len(shorter), shorter)
	}
}

// randomEstate draws a small estate: 2 or 3 servers, 2 packages, one to
// three faults on distinct servers, and sometimes an NS credential that
// differs from the policy's.
func randomEstate(seed uint64) (*scenario.Scenario, vocab.Credential) {
	r := rand.New(rand.NewPCG(seed, 99))
	want := vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}
	nsCred := want
	if r.IntN(6) == 0 {
		nsCred = vocab.Credential{Mode: vocab.Anonymous}
	}
	servers := 2 + r.IntN(2)
	kinds := []string{"credential_not_received", "credential_stuck", "acl_missing", "status_lost",
		"stale_status_file", "stale_ps_snapshot", "stale_ns_snapshot"}
	var faults []string
	order := r.Perm(servers)
	for i := 0; i < 1+r.IntN(3) && i < servers; i++ {
		k := kinds[r.IntN(len(kinds))]
		if nsCred != want && (k == "credential_not_received" || k == "credential_stuck" || k == "acl_missing") {
			k = "status_lost"
		}
		faults = append(faults, fmt.Sprintf(`{"kind": %q, "servers": [%q]}`, k, scenario.ServerName(order[i], servers)))
	}
	js := fmt.Sprintf(`{"name": "prop", "seed": %d, "servers": %d, "packages": 2,
	  "credential": {"mode": %q, "account": %q}, "faults": [%s]}`,
		seed, servers, nsCred.Mode, nsCred.Account, strings.Join(faults, ","))
	sc, err := scenario.Parse("prop.json", []byte(js))
	if err != nil {
		panic(err)
	}
	return sc, want
}

// planFor observes the site as a pass does and returns the planner's plan.
func planFor(ctx context.Context, t *testing.T, site *sim.Site, want vocab.Credential) actions.Plan {
	t.Helper()
	o := &observed.Observer{CMDB: site, NS: site, Agents: site, Concurrency: 4}
	obs := o.ReadSite(ctx, propT0, false)
	d := desired.New(want, nil, time.Hour)
	if planner.NeedsServerList(d, obs) {
		o.ListServers(ctx, obs)
	}
	in := planner.Input{Desired: d, Obs: obs, Now: propT0}
	need, pkgs := planner.Needs(in)
	o.ObserveAgents(ctx, obs, need, pkgs)
	return planner.Compute(in)
}

// reached is the desired state of DESIGN §2: the NS holds the policy's
// credential; every server applied it and, for appid/acc, grants the
// account Full Control; every pair is Ready at the package version.
func reached(ctx context.Context, t *testing.T, site *sim.Site, g goal) bool {
	want := g.want
	ns, err := site.Setting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !ns.Credential.Equal(want) || notReadyOutside(ctx, t, site, g.skip) != 0 {
		return false
	}
	for _, h := range site.Hosts() {
		if g.skip[h] {
			continue
		}
		f, err := site.Agent(ctx, h, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !f.Applied.Equal(ns.Credential) {
			return false
		}
		if want.Mode.NeedsAccount() && !slices.ContainsFunc(f.FullControl, func(p string) bool {
			return strings.EqualFold(p, want.Account)
		}) {
			return false
		}
	}
	return true
}

// notReadyOutside counts the rows not Ready on servers outside skip.
func notReadyOutside(ctx context.Context, t *testing.T, site *sim.Site, skip map[vocab.Host]bool) int {
	if len(skip) == 0 {
		return site.NotReady()
	}
	n := 0
	if err := site.InQuestion(ctx, func(r observed.RawRow) error {
		if !skip[vocab.Host(r.ServerName)] {
			n++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// lowerBound counts actions any solution still needs, each of a kind and
// target no other counted need shares: a resend on every server with a row
// not Ready; an update on every server whose applied credential is not the
// policy's or whose snapshot must come back; a grant where the account
// lacks Full Control; a deletion per stale file; the NS setting; a refresh.
func lowerBound(ctx context.Context, t *testing.T, site *sim.Site, g goal) int {
	want := g.want
	n := 0
	ns, err := site.Setting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !ns.Credential.Equal(want) {
		n++
	}
	n += stuckNeeds(site, ns, g)
	pkgs := site.Packages()
	snaps, err := site.Snapshots(ctx, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	refresh := false
	versions := map[vocab.GUID]string{}
	for _, sn := range snaps {
		v, _ := site.PackageVersion(sn.Package)
		versions[sn.Package] = v
		if sn.Present && sn.Version != v {
			n++ // delete_ns_snapshot
		}
		refresh = refresh || !sn.Present || sn.Version != v
	}
	if refresh {
		n++
	}
	return n + serverNeeds(ctx, t, site, g, pkgs, versions)
}

// stuckNeeds uses the hidden truth: a stuck server drops its credential
// only through update_configuration under an anonymous NS, so it needs a
// second update; the NS needs a set to anonymous unless it is already, and
// one back to the policy's (already counted when the NS differs from it).
func stuckNeeds(site *sim.Site, ns observed.NSState, g goal) int {
	want := g.want
	if want.Mode == vocab.Anonymous {
		return 0
	}
	n := 0
	for _, h := range site.Hosts() {
		if tr, _ := site.Truth(h); tr.Stuck && !g.skip[h] {
			n++
		}
	}
	if n == 0 {
		return 0
	}
	if ns.Credential.Mode != vocab.Anonymous {
		n++ // set_credential_mode(anonymous)
	}
	if ns.Credential.Equal(want) {
		n++ // set_credential_mode(want) again after it
	}
	return n
}

func serverNeeds(ctx context.Context, t *testing.T, site *sim.Site, g goal, pkgs []vocab.GUID, versions map[vocab.GUID]string) int {
	want := g.want
	n := 0
	notReady := map[vocab.Host]bool{}
	if err := site.InQuestion(ctx, func(r observed.RawRow) error {
		notReady[vocab.Host(r.ServerName)] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, h := range site.Hosts() {
		if g.skip[h] {
			continue
		}
		f, err := site.Agent(ctx, h, pkgs)
		if err != nil {
			t.Fatal(err)
		}
		update := !f.Applied.Equal(want)
		for _, pf := range f.Packages {
			if pf.SnapshotPresent && pf.SnapshotVersion != versions[pf.Package] {
				n++ // delete_ps_snapshot
			}
			update = update || !pf.SnapshotPresent || pf.SnapshotVersion != versions[pf.Package]
			if pf.StatusPresent && pf.StatusRecorded == vocab.Invalid {
				n++ // delete_ps_status
			}
		}
		if update {
			n++
		}
		if want.Mode.NeedsAccount() && !slices.ContainsFunc(f.FullControl, func(p string) bool {
			return strings.EqualFold(p, want.Account)
		}) {
			n++
		}
		if notReady[h] {
			n++
		}
	}
	return n
}

// checkBoundAlongPlan guards the search's pruning: along the planner's
// plan, which is a solution, the lower bound never exceeds the steps left.
func checkBoundAlongPlan(ctx context.Context, t *testing.T, site *sim.Site, p actions.Plan, g goal) {
	c := site.Clone()
	for i := 0; ; i++ {
		if h, left := lowerBound(ctx, t, c, g), len(p.Actions)-i; h > left {
			t.Fatalf("lower bound %d > %d steps left after step %d: the search would prune a solution", h, left, i)
		}
		if i == len(p.Actions) {
			return
		}
		if err := c.Apply(ctx, p.Actions[i]); err != nil {
			t.Fatal(err)
		}
	}
}

// allActions is every action that could matter on this estate (none on
// the servers the goal skips: they cannot be reached).
func allActions(s *sim.Site, g goal) []actions.Action {
	want := g.want
	mk := func(k actions.Kind, tg actions.Target) actions.Action {
		return actions.Action{ID: actions.FormatID(k, tg, 0, ""), Kind: k, Target: tg}
	}
	set := func(c vocab.Credential) actions.Action {
		a := mk(actions.SetCredentialMode, actions.Target{})
		a.ID, a.Mode, a.Account = actions.FormatID(actions.SetCredentialMode, actions.Target{}, 0, c.Mode), c.Mode, c.Account
		return a
	}
	out := []actions.Action{set(vocab.Credential{Mode: vocab.Anonymous}), set(want),
		mk(actions.RunPackageRefresh, actions.Target{})}
	for _, p := range s.Packages() {
		out = append(out, mk(actions.DeleteNSSnapshot, actions.Target{Package: p}))
	}
	for _, h := range s.Hosts() {
		if g.skip[h] {
			continue
		}
		for _, p := range s.Packages() {
			out = append(out, mk(actions.DeletePSSnapshot, actions.Target{Server: h, Package: p}),
				mk(actions.DeletePSStatus, actions.Target{Server: h, Package: p}))
		}
		g := mk(actions.GrantACL, actions.Target{Server: h})
		g.Account = want.Account
		out = append(out, mk(actions.UpdateConfiguration, actions.Target{Server: h}), g,
			mk(actions.ResendStatus, actions.Target{Server: h}))
	}
	return out
}

var (
	nsVersion  = regexp.MustCompile(`(?m)^ns ([^|]*)\|([^|]*)\|(\d+) done \d+$`)
	srvVersion = regexp.MustCompile(`(?m)^(s\d+ [^|]*\|[^|]*\|)(\d+)\|`)
)

// key is the site's state with policy versions reduced to what every
// effect and observation depends on: whether a server's received version
// is behind the NS's. The search stays exact and the space finite.
func key(s *sim.Site) string {
	k := s.StateKey()
	m := nsVersion.FindStringSubmatch(k)
	if m == nil {
		panic("unexpected state key: " + k)
	}
	ns := m[3]
	k = nsVersion.ReplaceAllString(k, "ns $1|$2")
	return srvVersion.ReplaceAllStringFunc(k, func(line string) string {
		sm := srvVersion.FindStringSubmatch(line)
		rel := "current"
		if len(sm[2]) < len(ns) || (len(sm[2]) == len(ns) && sm[2] < ns) {
			rel = "behind"
		}
		return sm[1] + rel + "|"
	})
}

func ids(p actions.Plan) []string {
	out := make([]string, len(p.Actions))
	for i, a := range p.Actions {
		out[i] = a.ID
	}
	return out
}

func describe(sc *scenario.Scenario, want vocab.Credential) string {
	var fs []string
	for _, f := range sc.Faults {
		fs = append(fs, fmt.Sprintf("%s%v", f.Kind, f.Servers))
	}
	return fmt.Sprintf("estate: %d servers × %d packages, NS %s, policy %s, faults %v",
		sc.Servers, sc.Packages, sc.Credential, want, fs)
}
