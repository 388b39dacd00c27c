package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

const pkgGUID = "6f1c9a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"

// authError is a refused login as the drivers report it.
type authError struct{}

func (authError) Error() string     { return "WinRM authentication failed (HTTP 401)" }
func (authError) AuthFailure() bool { return true }
func (authError) Terminal() bool    { return true }

// fakeSite is a site whose every call is a func field.
type fakeSite struct {
	servers  func() ([]observed.RawServer, error)
	rows     func(fn func(observed.RawRow) error) error
	setting  func() (observed.NSState, error)
	snaps    func([]vocab.GUID) ([]observed.Snapshot, error)
	agent    func(vocab.Host) (observed.AgentFacts, error)
	agentN   atomic.Int32
	mu       sync.Mutex
	calledOn []vocab.Host
}

func (f *fakeSite) InQuestion(_ context.Context, fn func(observed.RawRow) error) error {
	return f.rows(fn)
}
func (f *fakeSite) Servers(context.Context) ([]observed.RawServer, error) { return f.servers() }
func (f *fakeSite) Setting(context.Context) (observed.NSState, error)     { return f.setting() }
func (f *fakeSite) Snapshots(_ context.Context, p []vocab.GUID) ([]observed.Snapshot, error) {
	return f.snaps(p)
}
func (f *fakeSite) Agent(_ context.Context, h vocab.Host, _ []vocab.GUID) (observed.AgentFacts, error) {
	f.agentN.Add(1)
	f.mu.Lock()
	f.calledOn = append(f.calledOn, h)
	f.mu.Unlock()
	return f.agent(h)
}

var (
	_ observed.CMDB        = (*fakeSite)(nil)
	_ observed.NSSource    = (*fakeSite)(nil)
	_ observed.AgentSource = (*fakeSite)(nil)
)

// healthySite has n servers that all answer.
func healthySite(n int) *fakeSite {
	var servers []observed.RawServer
	for i := range n {
		servers = append(servers, observed.RawServer{ID: fmt.Sprint(i), Name: fmt.Sprintf("PS%03d", i+1), Counts: map[string]int{"Ready": 30}})
	}
	return &fakeSite{
		servers: func() ([]observed.RawServer, error) { return servers, nil },
		rows: func(fn func(observed.RawRow) error) error {
			return fn(observed.RawRow{ServerName: "PS001", PackageID: pkgGUID, PackageKnown: true, Status: "Invalid"})
		},
		setting: func() (observed.NSState, error) {
			return observed.NSState{Credential: vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}, PolicyVersion: 18}, nil
		},
		snaps: func(p []vocab.GUID) ([]observed.Snapshot, error) {
			return []observed.Snapshot{{Package: p[0], Present: true, Version: "16"}}, nil
		},
		agent: func(h vocab.Host) (observed.AgentFacts, error) {
			return observed.AgentFacts{Server: h, FullControl: []string{"SYSTEM", "Administrators"}}, nil
		},
	}
}

func runSite(f *fakeSite, schema func(context.Context) (cmdb.Schema, error)) Report {
	return Run(context.Background(), SiteChecks(Site{CMDB: f, NS: f, Agents: f, Schema: schema, Concurrency: 4}))
}

func statuses(r Report) map[string]Status {
	out := map[string]Status{}
	for _, res := range r.Results {
		k := res.Check
		if res.Target != "" {
			k += " " + res.Target
		}
		out[k] = res.Status
	}
	return out
}

func TestSiteChecksHealthy(t *testing.T) {
	r := runSite(healthySite(3), nil)
	if !r.OK || r.Counts[Fail] != 0 {
		t.Fatalf("a healthy site fails: %+v", r.Results)
	}
	st := statuses(r)
	for k, want := range map[string]Status{"cmdb": Pass, "cmdb schema": Skip, "ns credential setting": Pass, "ns snapshots": Pass,
		"package servers PS001": Pass, "package servers PS003": Pass} {
		if st[k] != want {
			t.Errorf("%s: %s, want %s (%v)", k, st[k], want, st)
		}
	}
}

// TestOneAttemptPerCredential: a WinRM login refused by the NS stops
// every package server check (no call at all); refused by the first
// package server, it stops the others.
func TestOneAttemptPerCredential(t *testing.T) {
	f := healthySite(50)
	f.setting = func() (observed.NSState, error) {
		return observed.NSState{}, fmt.Errorf("read setting: %w", authError{})
	}
	r := runSite(f, nil)
	if r.OK || f.agentN.Load() != 0 {
		t.Errorf("NS refused the login: OK %v, %d agent calls, want none", r.OK, f.agentN.Load())
	}
	if st := statuses(r); st["package servers"] != Skip || st["ns snapshots"] == Pass {
		t.Errorf("after the refusal: %v", st)
	}

	f = healthySite(50)
	f.agent = func(vocab.Host) (observed.AgentFacts, error) {
		return observed.AgentFacts{}, fmt.Errorf("agent: %w", authError{})
	}
	r = runSite(f, nil)
	if n := f.agentN.Load(); n != 1 {
		t.Errorf("%d agent calls with a refused credential, want 1", n)
	}
	found := false
	for _, res := range r.Results {
		found = found || res.Status == Skip && strings.Contains(res.Detail, "49 other servers not tried")
	}
	if !found || r.OK {
		t.Errorf("results: %+v", r.Results)
	}
}

// TestRefusalMidway: a server that refuses the login after others
// answered stops the calls not yet started.
func TestRefusalMidway(t *testing.T) {
	f := healthySite(200)
	f.agent = func(h vocab.Host) (observed.AgentFacts, error) {
		if h == "PS010" {
			return observed.AgentFacts{}, authError{}
		}
		return observed.AgentFacts{FullControl: []string{"SYSTEM"}}, nil
	}
	r := runSite(f, nil)
	if n := f.agentN.Load(); n >= 200 || n < 10 {
		t.Errorf("%d agent calls: the refusal at PS010 should stop the rest (concurrency 4)", n)
	}
	if r.OK {
		t.Error("a refused login passes")
	}
	var skipped int
	for _, res := range r.Results {
		if res.Status == Skip {
			skipped++
		}
	}
	if skipped == 0 {
		t.Errorf("no server reported as not tried: %+v", r.Results[:5])
	}
}

func TestSiteChecksFailures(t *testing.T) {
	down := healthySite(3)
	down.servers = func() ([]observed.RawServer, error) { return nil, errors.New("dial tcp: connection refused") }
	r := runSite(down, nil)
	if st := statuses(r); st["cmdb"] != Fail || st["package servers"] != Skip || r.OK {
		t.Errorf("CMDB down: %v", st)
	}

	login := healthySite(3)
	login.servers = func() ([]observed.RawServer, error) { return nil, authError{} }
	r = runSite(login, nil)
	if !strings.Contains(r.Results[0].Fix, "one attempt, not retried") {
		t.Errorf("CMDB login refused: %+v", r.Results[0])
	}

	schema := func(context.Context) (cmdb.Schema, error) {
		return cmdb.Schema{}, &cmdb.SchemaError{Table: "SWDPackageServer", Column: "Version", Problem: "missing"}
	}
	r = runSite(healthySite(3), schema)
	if st := statuses(r); st["cmdb schema"] != Fail {
		t.Errorf("schema: %v", st)
	}

	unreachable := healthySite(3)
	unreachable.agent = func(h vocab.Host) (observed.AgentFacts, error) {
		if h == "PS002" {
			return observed.AgentFacts{}, errors.New("dial tcp PS002:5986: i/o timeout")
		}
		return observed.AgentFacts{FullControl: nil}, nil
	}
	r = runSite(unreachable, nil)
	if st := statuses(r); st["package servers PS002"] != Fail || st["package servers PS001"] != Warn || f3(unreachable) != 3 {
		t.Errorf("one server unreachable, the others with no readable ACL: %v", st)
	}
}

func f3(f *fakeSite) int32 { return f.agentN.Load() }

// TestManyServersAreSummed: beyond maxPassLines, the servers that
// answered are one line; problems stay one line each.
func TestManyServersAreSummed(t *testing.T) {
	f := healthySite(40)
	f.agent = func(h vocab.Host) (observed.AgentFacts, error) {
		if h == "PS007" {
			return observed.AgentFacts{}, errors.New("timeout")
		}
		return observed.AgentFacts{FullControl: []string{"SYSTEM"}}, nil
	}
	r := runSite(f, nil)
	var lines []string
	for _, res := range r.Results {
		if res.Check == "package servers" {
			lines = append(lines, string(res.Status)+" "+res.Target+" "+res.Detail)
		}
	}
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "pass  39 servers answered (PS001 … PS040)") || !strings.HasPrefix(lines[1], "fail PS007") {
		t.Errorf("lines: %q", lines)
	}
}
