package apply

import (
	"fmt"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/actions/planner"
	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// The executor's tests run the plans the planner makes for small hand-built
// observations; this is the part of the planner's own fixture they need.

var (
	now  = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	acc  = vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}
	anon = vocab.Credential{Mode: vocab.Anonymous}
)

// pkg returns the GUID of test package n.
func pkg(n int) vocab.GUID {
	return vocab.MustGUID(fmt.Sprintf("00000000-0000-0000-0000-%012d", n))
}

func snap(n int, present bool, v string) observed.Snapshot {
	return observed.Snapshot{Package: pkg(n), Present: present, Version: v}
}

// fx builds an observation by hand: an NS at policy version 12 with the
// acc credential, packages at version "7" whose NS snapshots are current,
// and servers that are healthy until a modifier breaks them.
type fx struct {
	t      *testing.T
	obs    *observed.Observation
	agents map[vocab.Host]*observed.Agent
	files  map[vocab.Host][]observed.PackageFiles
}

func newFx(t *testing.T) *fx {
	f := &fx{t: t, obs: observed.NewObservation(now),
		agents: map[vocab.Host]*observed.Agent{}, files: map[vocab.Host][]observed.PackageFiles{}}
	f.obs.NS = observed.NSState{Credential: acc, PolicyVersion: 12}
	for i := 1; i <= 3; i++ {
		f.must(f.obs.SetSnapshot(snap(i, true, "7")))
	}
	return f
}

func (f *fx) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// pair adds a pair in question on a healthy, reachable agent, with healthy
// files; edit the returned files.
func (f *fx) pair(server string, n int, st vocab.Status) *observed.PackageFiles {
	h := vocab.Host(server)
	if f.agents[h] == nil {
		f.agents[h] = &observed.Agent{Server: h, Reachable: true, Facts: observed.AgentFacts{
			Server: h, Applied: f.obs.NS.Credential, PolicyVersion: f.obs.NS.PolicyVersion,
			FullControl: []string{"SYSTEM", "Administrators", acc.Account}}}
	}
	f.must(f.obs.AddPair(observed.Pair{Server: h, Package: pkg(n), PackageName: fmt.Sprintf("Pkg%d", n),
		Status: st, Version: "7", PackageVersion: "7"}))
	f.files[h] = append(f.files[h], observed.PackageFiles{Server: h, Package: pkg(n),
		SnapshotPresent: true, SnapshotVersion: "7", StatusPresent: true, StatusRecorded: vocab.Ready,
		Local: vocab.LocalReady})
	return &f.files[h][len(f.files[h])-1]
}

// plan is the planner's plan for the observation.
func (f *fx) plan() actions.Plan {
	f.t.Helper()
	for h, a := range f.agents {
		c := *a
		c.Facts.Packages = f.files[h]
		f.must(f.obs.SetAgent(c))
	}
	d := desired.New(acc, nil, 30*time.Minute)
	return planner.Compute(planner.Input{Desired: d, Obs: f.obs, Now: now})
}
