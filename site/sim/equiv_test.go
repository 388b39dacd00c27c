package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

// step is one move of a sequence: the clock moves, then an action applies.
type step struct {
	wait time.Duration
	a    *actions.Action
}

func do(a actions.Action) step                    { return step{a: &a} }
func wait(d time.Duration) step                   { return step{wait: d} }
func doAt(d time.Duration, a actions.Action) step { return step{wait: d, a: &a} }

// TestStoresAgree runs one table of action sequences against both stores
// and compares what they show after every step: the CMDB, the NS and the
// counters each time, every agent's files every fifth step and at the end.
func TestStoresAgree(t *testing.T) {
	demo, err := scenario.Builtin("demo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		sc       *scenario.Scenario
		steps    func(t testing.TB, s *Site) []step
		notReady int // at the end; -1: any
	}{
		{"demo repaired by the cause table", demo, repairDemo, 0},
		{"random actions on the demo", demo, randomSteps(1, 30), -1},
		{"random actions on a mixed site", small(t, allFaults), randomSteps(2, 80), -1},
		{"random actions on an anonymous site", mustParse(t, `{"seed": 9, "servers": 3, "packages": 3,
			"credential": {"mode": "anonymous"}, "faults": [`+allFaults+`]}`), randomSteps(3, 60), -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newStores(t, tc.sc)
			steps := tc.steps(t, b.mem)
			for i, st := range steps {
				b.clk.Advance(st.wait)
				if st.a != nil {
					em, ed := b.mem.Apply(ctx, *st.a), b.disk.Apply(ctx, *st.a)
					if (em == nil) != (ed == nil) {
						t.Fatalf("step %d %s %s: memory %v, disk %v", i, st.a.Kind, st.a.Target, em, ed)
					}
				}
				sameSome(t, fmt.Sprintf("step %d", i), b, i%5 == 4 || i == len(steps)-1)
			}
			if n := b.mem.NotReady(); tc.notReady >= 0 && n != tc.notReady {
				t.Fatalf("not ready at the end: %d", n)
			}
		})
	}
}

// allFaults puts every fault kind on a 3-server site.
const allFaults = `{"kind": "credential_not_received", "servers": ["PS001"]},
	{"kind": "credential_stuck", "servers": ["PS002"]},
	{"kind": "acl_missing", "servers": ["PS003"], "from": "20m"},
	{"kind": "status_lost", "servers": ["PS003"], "packages": 2},
	{"kind": "stale_ps_snapshot", "servers": ["PS002"]},
	{"kind": "stale_ns_snapshot", "servers": ["PS003"]},
	{"kind": "stale_status_file", "servers": ["PS001"]},
	{"kind": "unreachable", "servers": ["PS002"], "from": "10m", "for": "15m"},
	{"kind": "cmdb_down", "from": "5m", "for": "20m"},
	{"kind": "downloading", "servers": ["PS003"], "packages": 2, "from": "2m", "for": "30m"},
	{"kind": "bad_row", "servers": ["PS001"], "package_id": "PS001\\..\\x"}`

// repairDemo is the DESIGN §3 remedy of every fault of the demo, written
// out by hand, with the demo's windows passing between the actions.
func repairDemo(t testing.TB, s *Site) []step {
	f := func(kind string) ResolvedFault { return faultOf(t, s, kind) }
	h := func(kind string) string { return string(f(kind).Servers[0]) }
	stuck := h(scenario.CredentialStuck)
	steps := []step{
		do(act(actions.ResendStatus, h(scenario.Unreachable), "")), // fails: unreachable
		do(setMode(vocab.Anonymous, "")), do(act(actions.UpdateConfiguration, stuck, "")),
		do(setMode(vocab.ACC, acct)), do(act(actions.UpdateConfiguration, stuck, "")), do(act(actions.ResendStatus, stuck, "")),
		do(act(actions.UpdateConfiguration, h(scenario.CredentialNotReceived), "")), do(act(actions.ResendStatus, h(scenario.CredentialNotReceived), "")),
		do(grant(h(scenario.ACLMissing), acct)),
		doAt(90*time.Second, act(actions.ResendStatus, h(scenario.ACLMissing), "")), // queued: the CMDB is down
		do(act(actions.ResendStatus, h(scenario.StatusLost), "")),
	}
	for _, g := range f(scenario.StaleStatusFile).Packages {
		steps = append(steps, do(act(actions.DeletePSStatus, h(scenario.StaleStatusFile), g)))
	}
	steps = append(steps, do(act(actions.ResendStatus, h(scenario.StaleStatusFile), "")))
	for _, g := range f(scenario.StaleNSSnapshot).Packages {
		steps = append(steps, do(act(actions.DeleteNSSnapshot, "", g)))
	}
	steps = append(steps, do(act(actions.RunPackageRefresh, "", "")))
	for _, kind := range []string{scenario.StalePSSnapshot, scenario.StaleNSSnapshot} {
		for _, g := range f(kind).Packages {
			steps = append(steps, do(act(actions.DeletePSSnapshot, h(kind), g)), do(act(actions.DeletePSStatus, h(kind), g)))
		}
		steps = append(steps, do(act(actions.UpdateConfiguration, h(kind), "")), do(act(actions.ResendStatus, h(kind), "")))
	}
	return append(steps, wait(time.Minute), wait(2*time.Minute), do(act(actions.ResendStatus, h(scenario.Unreachable), "")))
}

// randomSteps draws a seeded sequence of clock moves and actions, bad
// targets included.
func randomSteps(seed uint64, n int) func(testing.TB, *Site) []step {
	return func(_ testing.TB, s *Site) []step {
		r := rand.New(rand.NewPCG(seed, 99))
		hosts := append(s.Hosts(), "PS999", "C:")
		pkgs := append(s.Packages(), "01234567-89ab-cdef-0123-456789abcdef", `..\..\Windows`)
		pickH := func() string { return string(hosts[r.IntN(len(hosts))]) }
		pickP := func() vocab.GUID { return pkgs[r.IntN(len(pkgs))] }
		var out []step
		for range n {
			var a actions.Action
			switch k := actions.Kinds[r.IntN(len(actions.Kinds))]; k {
			case actions.SetCredentialMode:
				a = setMode([]vocab.Mode{vocab.Anonymous, vocab.AppID, vocab.ACC}[r.IntN(3)], acct)
			case actions.GrantACL:
				a = grant(pickH(), acct)
			case actions.DeleteNSSnapshot:
				a = act(k, "", pickP())
			case actions.RunPackageRefresh:
				a = act(k, "", "")
			case actions.DeletePSSnapshot, actions.DeletePSStatus:
				a = act(k, pickH(), pickP())
			default:
				a = act(k, pickH(), "")
			}
			out = append(out, doAt(time.Duration(r.IntN(4))*time.Minute, a))
		}
		return out
	}
}
