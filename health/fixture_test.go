package health_test

import (
	"fmt"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

var (
	t0  = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	acc = vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}
	ns  = observed.NSState{Credential: acc, PolicyVersion: 7}

	// The desired state of the fixtures: acc, every server but SITE*.
	want = desired.New(acc, scopeFunc(func(h vocab.Host) bool {
		ok, _ := path.Match("site*", strings.ToLower(string(h)))
		return !ok
	}), 30*time.Minute)
)

// scopeFunc adapts a function to desired.Scope.
type scopeFunc func(host vocab.Host) bool

func (f scopeFunc) Match(host vocab.Host) bool { return f(host) }

func pkg(i int) vocab.GUID { return vocab.MustGUID(fmt.Sprintf("aaaaaaaa-0000-0000-0000-%012d", i)) }

func srvID(i int) vocab.GUID { return vocab.MustGUID(fmt.Sprintf("11111111-0000-0000-0000-%012d", i)) }

// rows returns n pairs of server, from package first on, with a status.
func rows(server vocab.Host, first, n int, st vocab.Status, version string, since time.Time) []observed.Pair {
	var ps []observed.Pair
	for i := first; i < first+n; i++ {
		ps = append(ps, observed.Pair{Server: server, Package: pkg(i), PackageName: fmt.Sprintf("Package %d", i),
			Status: st, Version: version, PackageVersion: "3", Since: since})
	}
	return ps
}

func healthyAgent(server vocab.Host) observed.Agent {
	return observed.Agent{Server: server, Reachable: true, Facts: observed.AgentFacts{
		Server: server, Applied: acc, PolicyVersion: 7,
		FullControl: []string{"SYSTEM", "Administrators", acc.Account},
	}}
}

// site is a hand-built observation holding every condition state:
//
//	PS001 healthy                  PS006 downloads within the grace
//	PS002 credential not received  PS007 unreachable
//	PS003 credential stuck         PS008 not observed
//	PS004 ACL missing              PS009 refuses remote management
//	PS005 rows not Ready           SITE01 out of scope
//
// and two rejected rows, one with a terminal escape in its server name.
func site(t *testing.T) *observed.Observation {
	t.Helper()
	obs := observed.NewObservation(t0)
	obs.NS = ns
	notReceived := healthyAgent("PS002")
	notReceived.Facts.Applied = vocab.Credential{Mode: vocab.Anonymous}
	notReceived.Facts.PolicyVersion = 6
	stuck := healthyAgent("PS003")
	stuck.Facts.Applied = vocab.Credential{Mode: vocab.Anonymous}
	aclMissing := healthyAgent("PS004")
	aclMissing.Facts.FullControl = []string{"SYSTEM", "Administrators"}
	check(t, obs.SetAgent(healthyAgent("PS001"), notReceived, stuck, aclMissing, healthyAgent("PS005"),
		healthyAgent("PS006"), healthyAgent("SITE01"),
		observed.Agent{Server: "PS007", Error: "winrm: dial tcp 10.0.0.7:5986: i/o timeout"},
		observed.Agent{Server: "PS009", Terminal: true, Error: "remote configuration disabled by agent policy"}))

	var ps []observed.Pair
	ps = append(ps, rows("PS002", 1, 3, vocab.Invalid, "3", time.Time{})...)
	ps = append(ps, rows("PS003", 1, 2, vocab.Invalid, "3", time.Time{})...)
	ps = append(ps, rows("PS004", 1, 1, vocab.Invalid, "3", time.Time{})...)
	ps = append(ps, rows("PS005", 1, 2, vocab.Invalid, "3", time.Time{})...)
	ps = append(ps, rows("PS005", 3, 1, vocab.Ready, "2", time.Time{})...)
	ps = append(ps, rows("PS005", 4, 1, vocab.Pending, "", t0.Add(-2*time.Hour))...)
	ps = append(ps, rows("PS006", 1, 1, vocab.Pending, "", time.Time{})...)
	ps = append(ps, rows("PS006", 2, 1, vocab.DownloadPending, "", t0.Add(-10*time.Minute))...)
	ps = append(ps, rows("PS007", 1, 1, vocab.Invalid, "3", time.Time{})...)
	ps = append(ps, rows("SITE01", 1, 1, vocab.Invalid, "3", time.Time{})...)
	check(t, obs.AddPair(ps...))

	var servers []observed.Server
	for i, c := range []map[string]int{
		{"Ready": 120}, {"Ready": 117, "Invalid": 3}, {"Ready": 118, "Invalid": 2}, {"Ready": 119, "Invalid": 1},
		{"Ready": 117, "Invalid": 2, "Pending": 1}, {"Ready": 118, "Pending": 1, "Download Pending": 1},
		{"Ready": 119, "Invalid": 1}, {"Ready": 120}, {"Ready": 120},
	} {
		servers = append(servers, observed.Server{ID: srvID(i + 1), Name: vocab.Host(fmt.Sprintf("PS%03d", i+1)), Counts: c})
	}
	servers = append(servers, observed.Server{ID: srvID(99), Name: "SITE01", Counts: map[string]int{"Ready": 119, "Invalid": 1}})
	check(t, obs.SetServers(servers...))
	obs.AddRejects(
		observed.Reject{ServerID: string(srvID(1)), Server: "PS001", PackageID: `..\..\Windows\System32`,
			Reason: `package id: not a GUID: "..\\..\\Windows\\System32"`},
		observed.Reject{ServerID: string(srvID(42)), Server: "PS\x1b[2J042", PackageID: string(pkg(1)),
			Reason: `server name: not a host name: "PS\x1b[2J042"`},
	)
	return obs
}

// history is the previous report: PS001 healthy for a day, PS002's
// credential applied until now.
func history() *health.Report {
	day := t0.Add(-24 * time.Hour)
	all := func(name vocab.Host) health.ServerHealth {
		s := health.ServerHealth{Name: name}
		for _, ct := range health.ConditionTypes {
			s.Conditions = append(s.Conditions, health.Condition{Type: ct, Status: health.True, LastTransition: day})
		}
		return s
	}
	return &health.Report{Servers: []health.ServerHealth{all("PS001"), all("ps002")}}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
