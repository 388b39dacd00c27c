package observed_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// The tests here run in synctest bubbles: time is virtual, so a call cut by
// CallTimeout ends at once and exactly on time, and synctest.Wait shows the
// agent calls in flight without sleeping.

func hosts(n int) map[vocab.Host][]vocab.GUID {
	need := map[vocab.Host][]vocab.GUID{}
	for i := 1; i <= n; i++ {
		need[vocab.Host(fmt.Sprintf("PS%03d", i))] = []vocab.GUID{pkgB, pkgA}
	}
	return need
}

func healthyAgents() *fakeAgents {
	return &fakeAgents{AgentFunc: func(_ context.Context, s vocab.Host, pkgs []vocab.GUID) (observed.AgentFacts, error) {
		return healthyFacts(s, pkgs), nil
	}}
}

func TestObserveAgentsBoundedConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const servers, limit = 10, 3
		var mu sync.Mutex
		inFlight, most := 0, 0
		gate := make(chan struct{})
		agents := &fakeAgents{AgentFunc: func(_ context.Context, s vocab.Host, pkgs []vocab.GUID) (observed.AgentFacts, error) {
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			mu.Unlock()
			<-gate
			mu.Lock()
			inFlight--
			mu.Unlock()
			return healthyFacts(s, pkgs), nil
		}}
		o := &observed.Observer{NS: nsOK, Agents: agents, Concurrency: limit, CallTimeout: time.Minute}
		obs := observed.NewObservation(t0)
		done := make(chan struct{})
		go func() {
			o.ObserveAgents(context.Background(), obs, hosts(servers), nil)
			close(done)
		}()
		for left := servers; left > 0; left-- {
			synctest.Wait()
			mu.Lock()
			if want := min(limit, left); inFlight != want {
				t.Errorf("%d calls in flight with %d servers left; want %d", inFlight, left, want)
			}
			mu.Unlock()
			gate <- struct{}{}
		}
		<-done
		if most != limit {
			t.Errorf("at most %d calls in flight; want %d", most, limit)
		}
		for _, a := range obs.Agents() {
			if !a.Reachable {
				t.Errorf("%s not reachable: %s", a.Server, a.Error)
			}
		}
		if n := len(obs.Agents()); n != servers {
			t.Errorf("%d agents recorded; want %d", n, servers)
		}
	})
}

// faults answers for PS001..PS005 as a healthy agent, except:
// PS002 hangs until its context ends, PS003 panics, PS004 refuses remote
// management for good, PS005 fails.
func faults() *fakeAgents {
	return &fakeAgents{AgentFunc: func(ctx context.Context, s vocab.Host, pkgs []vocab.GUID) (observed.AgentFacts, error) {
		switch s {
		case "PS002":
			<-ctx.Done()
			return observed.AgentFacts{}, ctx.Err()
		case "PS003":
			panic("index out of range")
		case "PS004":
			return observed.AgentFacts{}, terminalErr{}
		case "PS005":
			return observed.AgentFacts{}, errors.New("winrm: connection refused")
		}
		return healthyFacts(s, pkgs), nil
	}}
}

type terminalErr struct{}

func (terminalErr) Error() string  { return "remote configuration disabled by agent policy" }
func (terminalErr) Terminal() bool { return true }

func TestObserveAgentsRecordsFailuresAsFacts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := &observed.Observer{NS: nsOK, Agents: faults(), Concurrency: 2, CallTimeout: 30 * time.Second}
		obs := observed.NewObservation(t0)
		start := time.Now()
		o.ObserveAgents(context.Background(), obs, hosts(5), nil)
		if took := time.Since(start); took != 30*time.Second {
			t.Errorf("pass took %v; want the call timeout, 30s", took)
		}
		tests := []struct {
			server    vocab.Host
			reachable bool
			terminal  bool
			err       string
		}{
			{"PS001", true, false, ""},
			{"PS002", false, false, "no answer in time (30s)"},
			{"PS003", false, false, "panic: index out of range"},
			{"PS004", false, true, "remote configuration disabled"},
			{"PS005", false, false, "winrm: connection refused"},
		}
		for _, tt := range tests {
			a, ok := obs.Agent(tt.server)
			if !ok || a.Reachable != tt.reachable || a.Terminal != tt.terminal || !strings.Contains(a.Error, tt.err) {
				t.Errorf("%s: %+v (found %v); want reachable %v, terminal %v, error %q",
					tt.server, a, ok, tt.reachable, tt.terminal, tt.err)
			}
			if _, ok := obs.Files(tt.server, pkgA); ok != tt.reachable {
				t.Errorf("%s: files recorded %v; want %v", tt.server, ok, tt.reachable)
			}
		}
	})
}

// A driver that ignores its context is abandoned at the call timeout and
// keeps its slot until it returns; the pass's context bounds the wait for
// the servers behind it.
func TestObserveAgentsAbandonsACallIgnoringItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stuck := make(chan struct{})
		agents := &fakeAgents{AgentFunc: func(_ context.Context, s vocab.Host, pkgs []vocab.GUID) (observed.AgentFacts, error) {
			if s == "PS001" {
				<-stuck
			}
			return healthyFacts(s, pkgs), nil
		}}
		o := &observed.Observer{NS: nsOK, Agents: agents, Concurrency: 1, CallTimeout: 30 * time.Second}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		obs := observed.NewObservation(t0)
		o.ObserveAgents(ctx, obs, hosts(2), nil)
		close(stuck)

		if a, _ := obs.Agent("PS001"); a.Reachable || !strings.Contains(a.Error, "no answer in time") {
			t.Errorf("PS001: %+v", a)
		}
		if a, _ := obs.Agent("PS002"); a.Reachable || !strings.Contains(a.Error, "not observed: context deadline exceeded") {
			t.Errorf("PS002: %+v", a)
		}
	})
}

func TestObserveAgentsCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := &observed.Observer{NS: nsOK, Agents: healthyAgents(), Concurrency: 4}
	obs := observed.NewObservation(t0)
	o.ObserveAgents(ctx, obs, hosts(3), nil)
	for _, a := range obs.Agents() {
		if a.Reachable || a.Error != "not observed: context canceled" {
			t.Errorf("%s: %+v", a.Server, a)
		}
	}
	if len(obs.Agents()) != 3 {
		t.Errorf("%d agents recorded; want 3", len(obs.Agents()))
	}
}

// Answers are checked against the question: facts for packages not asked,
// for another server or with malformed ids are dropped and reported.
func TestObserveAgentsChecksAnswers(t *testing.T) {
	notAsked := vocab.MustGUID("eeeeeeee-0000-0000-0000-000000000005")
	tests := []struct {
		name        string
		answer      func(observed.AgentFacts) observed.AgentFacts
		reachable   bool
		files       []vocab.GUID
		rejectPkgs  []string
		rejectWords string
	}{
		{"healthy", func(f observed.AgentFacts) observed.AgentFacts { return f }, true, []vocab.GUID{pkgA, pkgB}, nil, ""},
		{"package not asked", func(f observed.AgentFacts) observed.AgentFacts {
			f.Packages = append(f.Packages, observed.PackageFiles{Package: notAsked})
			return f
		}, true, []vocab.GUID{pkgA, pkgB}, []string{string(notAsked)}, "not asked"},
		{"malformed package id", func(f observed.AgentFacts) observed.AgentFacts {
			f.Packages = append(f.Packages, observed.PackageFiles{Package: `..\..\Windows`})
			return f
		}, true, []vocab.GUID{pkgA, pkgB}, []string{`..\..\Windows`}, "not a GUID"},
		{"upper-case id asked", func(f observed.AgentFacts) observed.AgentFacts {
			f.Packages[0].Package = vocab.GUID(strings.ToUpper(string(f.Packages[0].Package)))
			return f
		}, true, []vocab.GUID{pkgA, pkgB}, nil, ""},
		{"files of another server", func(f observed.AgentFacts) observed.AgentFacts {
			f.Packages[0].Server = "PS999"
			return f
		}, true, []vocab.GUID{pkgB}, []string{string(pkgA)}, "another server"},
		{"repeated package", func(f observed.AgentFacts) observed.AgentFacts {
			f.Packages = append(f.Packages, f.Packages[0])
			return f
		}, true, []vocab.GUID{pkgA, pkgB}, []string{string(pkgA)}, "duplicate"},
		{"another server", func(f observed.AgentFacts) observed.AgentFacts {
			f.Server = "PS999"
			return f
		}, false, nil, nil, ""},
		{"same server other case", func(f observed.AgentFacts) observed.AgentFacts {
			f.Server = "ps001"
			return f
		}, true, []vocab.GUID{pkgA, pkgB}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agents := &fakeAgents{AgentFunc: func(_ context.Context, s vocab.Host, pkgs []vocab.GUID) (observed.AgentFacts, error) {
				return tt.answer(healthyFacts(s, pkgs)), nil
			}}
			o := &observed.Observer{NS: nsOK, Agents: agents, Concurrency: 1}
			obs := observed.NewObservation(t0)
			o.ObserveAgents(context.Background(), obs, hosts(1), nil)
			a, _ := obs.Agent("PS001")
			if a.Reachable != tt.reachable {
				t.Errorf("reachable %v (%s); want %v", a.Reachable, a.Error, tt.reachable)
			}
			var files []vocab.GUID
			for _, f := range obs.FilesOf("PS001") {
				if f.Server != "PS001" {
					t.Errorf("files recorded under %q", f.Server)
				}
				files = append(files, f.Package)
			}
			if fmt.Sprint(files) != fmt.Sprint(tt.files) {
				t.Errorf("files for %v; want %v", files, tt.files)
			}
			var pkgs []string
			for _, r := range obs.Rejects {
				pkgs = append(pkgs, r.PackageID)
				if !strings.Contains(r.Reason, tt.rejectWords) || r.Server != "PS001" {
					t.Errorf("reject %+v; want server PS001 and reason with %q", r, tt.rejectWords)
				}
			}
			if fmt.Sprint(pkgs) != fmt.Sprint(tt.rejectPkgs) {
				t.Errorf("rejects for %v; want %v", pkgs, tt.rejectPkgs)
			}
		})
	}
}

// Malformed requests never reach the driver.
func TestObserveAgentsChecksRequests(t *testing.T) {
	var asked []string
	agents := &fakeAgents{AgentFunc: func(_ context.Context, s vocab.Host, pkgs []vocab.GUID) (observed.AgentFacts, error) {
		asked = append(asked, fmt.Sprint(s, pkgs))
		return healthyFacts(s, pkgs), nil
	}}
	need := map[vocab.Host][]vocab.GUID{
		`..\evil`: {pkgA},
		"PS001":   {pkgB, "../../x", pkgA, pkgB},
		"ps001":   {pkgC},
	}
	o := &observed.Observer{NS: nsOK, Agents: agents, Concurrency: 1}
	obs := observed.NewObservation(t0)
	o.ObserveAgents(context.Background(), obs, need, nil)
	if want := fmt.Sprint([]string{fmt.Sprint(vocab.Host("PS001"), []vocab.GUID{pkgA, pkgB, pkgC})}); fmt.Sprint(asked) != want {
		t.Errorf("driver asked %v; want %v", asked, want)
	}
	if len(obs.Rejects) != 2 {
		t.Errorf("rejects %+v; want the bad host and the bad package", obs.Rejects)
	}
}

func TestObserveAgentsSnapshots(t *testing.T) {
	extra := vocab.MustGUID("eeeeeeee-0000-0000-0000-000000000005")
	tests := []struct {
		name    string
		ns      *fakeNS
		want    []vocab.GUID
		rejects int
		err     string
	}{
		{"ok", nsOK, []vocab.GUID{pkgA, pkgB}, 1, ""},
		{"extra answer", &fakeNS{SnapshotsFunc: func(_ context.Context, pkgs []vocab.GUID) ([]observed.Snapshot, error) {
			return []observed.Snapshot{{Package: pkgA, Present: true}, {Package: extra}}, nil
		}}, []vocab.GUID{pkgA}, 2, ""},
		{"error", &fakeNS{}, nil, 1, "read NS snapshots: fake NS: no snapshots"},
		{"panic", &fakeNS{SnapshotsFunc: func(context.Context, []vocab.GUID) ([]observed.Snapshot, error) {
			panic("boom")
		}}, nil, 1, "panic: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &observed.Observer{NS: tt.ns, Agents: healthyAgents()}
			obs := observed.NewObservation(t0)
			o.ObserveAgents(context.Background(), obs, nil, []vocab.GUID{pkgB, pkgA, pkgB, "not-a-guid"})
			var got []vocab.GUID
			for _, s := range obs.Snapshots() {
				got = append(got, s.Package)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("snapshots %v; want %v", got, tt.want)
			}
			if len(obs.Rejects) != tt.rejects {
				t.Errorf("rejects %+v; want %d", obs.Rejects, tt.rejects)
			}
			if (tt.err == "") != (obs.SnapshotsErr == nil) ||
				(tt.err != "" && !strings.Contains(obs.SnapshotsErr.Error(), tt.err)) {
				t.Errorf("SnapshotsErr %v; want %q", obs.SnapshotsErr, tt.err)
			}
		})
	}
}

// The same site gives the same Observation, whatever order the calls end.
func TestObserveAgentsDeterministic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		run := func() string {
			o := &observed.Observer{NS: nsOK, Agents: faults(), Concurrency: 5, CallTimeout: time.Second}
			obs := observed.NewObservation(t0)
			o.ObserveAgents(context.Background(), obs, hosts(8), []vocab.GUID{pkgA, pkgB})
			b, err := json.Marshal([]any{obs.Agents(), obs.FilesFor(pkgA), obs.Snapshots(), obs.Rejects})
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		first := run()
		for range 5 {
			if got := run(); got != first {
				t.Fatalf("observations differ:\n%s\n%s", first, got)
			}
		}
	})
}
