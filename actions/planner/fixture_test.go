package planner

import (
	"fmt"
	"github.com/itms-tools/reconciler/actions"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

var (
	now  = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	acc  = vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}
	anon = vocab.Credential{Mode: vocab.Anonymous}
)

// pkg returns the GUID of test package n.
func pkg(n int) vocab.GUID {
	return vocab.MustGUID(fmt.Sprintf("00000000-0000-0000-0000-%012d", n))
}

// fx builds an observation by hand: an NS at policy version 12 with the
// acc credential, packages at version "7" whose NS snapshots are current,
// and servers that are healthy until a modifier breaks them.
type fx struct {
	t       *testing.T
	obs     *observed.Observation
	want    vocab.Credential
	grace   time.Duration
	held    map[vocab.Host]string
	history CredentialHistory
	also    []vocab.Host
	agents  map[vocab.Host]*observed.Agent
	files   map[vocab.Host][]observed.PackageFiles
}

func newFx(t *testing.T) *fx {
	f := &fx{t: t, obs: observed.NewObservation(now), want: acc, grace: 30 * time.Minute,
		agents: map[vocab.Host]*observed.Agent{}, files: map[vocab.Host][]observed.PackageFiles{}}
	f.obs.NS = observed.NSState{Credential: acc, PolicyVersion: 12}
	for i := 1; i <= 3; i++ {
		f.must(f.obs.SetSnapshot(observed.Snapshot{Package: pkg(i), Present: true, Version: "7"}))
	}
	return f
}

func (f *fx) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// nsAt is an NS setting at a policy version.
func nsAt(c vocab.Credential, v int64) observed.NSState {
	return observed.NSState{Credential: c, PolicyVersion: v}
}

// server adds a healthy, reachable agent.
func (f *fx) server(name string) *observed.Agent {
	h := vocab.Host(name)
	a := &observed.Agent{Server: h, Reachable: true, Facts: observed.AgentFacts{
		Server: h, Applied: f.obs.NS.Credential, PolicyVersion: f.obs.NS.PolicyVersion,
		FullControl: []string{"SYSTEM", "Administrators", acc.Account}}}
	f.agents[h] = a
	return a
}

// pair adds a pair in question with healthy files; edit the returned files.
func (f *fx) pair(server string, n int, st vocab.Status) *observed.PackageFiles {
	h := vocab.Host(server)
	if f.agents[h] == nil {
		f.server(server)
	}
	f.must(f.obs.AddPair(observed.Pair{Server: h, Package: pkg(n), PackageName: fmt.Sprintf("Pkg%d", n),
		Status: st, Version: "7", PackageVersion: "7"}))
	f.files[h] = append(f.files[h], observed.PackageFiles{Server: h, Package: pkg(n),
		SnapshotPresent: true, SnapshotVersion: "7", StatusPresent: true, StatusRecorded: vocab.Ready,
		Local: vocab.LocalReady})
	return &f.files[h][len(f.files[h])-1]
}

func (f *fx) plan() actions.Plan {
	f.t.Helper()
	for h, a := range f.agents {
		c := *a
		c.Facts.Packages = f.files[h]
		f.must(f.obs.SetAgent(c))
	}
	d := desiredFor(f)
	return Compute(Input{Desired: d, Obs: f.obs, Now: now, Held: f.held, History: f.history, Also: f.also})
}

func desiredFor(f *fx) desired.State { return desired.New(f.want, nil, f.grace) }

// steps renders a plan as "kind target" lines in order.
func steps(p actions.Plan) []string {
	out := make([]string, len(p.Actions))
	for i, a := range p.Actions {
		s := string(a.Kind) + " " + shortTarget(a.Target)
		if a.Round > 0 {
			s += fmt.Sprintf(" #%d", a.Round)
		}
		if a.Mode != "" {
			s += " " + string(a.Mode)
		}
		out[i] = s
	}
	return out
}

func shortTarget(t actions.Target) string {
	s := t.String()
	for i := 1; i <= 9; i++ {
		s = strings.ReplaceAll(s, string(pkg(i)), fmt.Sprintf("P%d", i))
	}
	return s
}
