package planner

import (
	"github.com/itms-tools/reconciler/actions"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

type errString string

func (e errString) Error() string { return string(e) }

func snap(n int, present bool, v string) observed.Snapshot {
	return observed.Snapshot{Package: pkg(n), Present: present, Version: v}
}

func server(name string) observed.Server {
	return observed.Server{Name: vocab.Host(name), Counts: map[string]int{"Ready": 3}}
}

func pairSince(server string, n int, st vocab.Status, since time.Time) observed.Pair {
	return observed.Pair{Server: vocab.Host(server), Package: pkg(n), Status: st,
		Version: "7", PackageVersion: "7", Since: since}
}

// checkPlanRules asserts the plan rules of DESIGN §3 on any plan: one
// action per (kind, target) outside the reset cycle, one refresh, one
// resend per server and last on it, every edge pointing backwards.
func checkPlanRules(t *testing.T, p actions.Plan) {
	t.Helper()
	seen := map[string]bool{}
	pos := p.Index()
	refresh := 0
	lastOn := map[vocab.Host]actions.Kind{}
	for i, a := range p.Actions {
		key := string(a.Kind) + " " + a.Target.String()
		if a.Round == 0 && seen[key] {
			t.Errorf("two %s", key)
		}
		seen[key] = true
		if a.Kind == actions.RunPackageRefresh {
			refresh++
		}
		if !a.Target.IsNS() {
			if lastOn[a.Target.Server] == actions.ResendStatus {
				t.Errorf("%s after resend_status on %s", a.ID, a.Target.Server)
			}
			lastOn[a.Target.Server] = a.Kind
		}
		for _, d := range a.Deps() {
			if j, ok := pos[d]; !ok || j >= i {
				t.Errorf("%s depends on %s which is not before it", a.ID, d)
			}
		}
		if len(a.Reasons) == 0 {
			t.Errorf("%s has no reason", a.ID)
		}
	}
	if refresh > 1 {
		t.Errorf("%d run_package_refresh", refresh)
	}
}
