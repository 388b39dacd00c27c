package sim

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

// t0 is the epoch of every test site.
var t0 = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

var ctx = context.Background()

// mustParse parses an inline scenario.
func mustParse(t testing.TB, js string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse("test.json", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// stores is the same scenario built in both stores on one fake clock.
type stores struct {
	clk  *clock.Fake
	mem  *Site
	disk *Site
	dir  string
}

func (b stores) each() []struct {
	name string
	s    *Site
} {
	return []struct {
		name string
		s    *Site
	}{{"memory", b.mem}, {"disk", b.disk}}
}

func newStores(t testing.TB, sc *scenario.Scenario) stores {
	t.Helper()
	clk := clock.NewFake(t0)
	mem, err := NewMemory(sc, sc.Seed, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	disk, err := Open(ctx, dir, sc, sc.Seed, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { disk.Close() })
	return stores{clk: clk, mem: mem, disk: disk, dir: dir}
}

// view is everything a site shows through its interfaces and
// introspection, in a canonical order, for comparing the two stores.
type view struct {
	Rows      []observed.RawRow
	RowsErr   string
	Servers   []observed.RawServer
	NS        observed.NSState
	Snapshots []observed.Snapshot
	Agents    []agentView
	NotReady  int
	Applied   map[actions.Kind]int
	Unsafe    int
	Timeline  []Sample
}

type agentView struct {
	Facts observed.AgentFacts
	Err   string
	Truth TruthServer
}

func observe(t testing.TB, s *Site) view { return observeSome(t, s, true) }

// observeSome reads every agent's files only when full is set.
func observeSome(t testing.TB, s *Site, full bool) view {
	t.Helper()
	var v view
	err := s.InQuestion(ctx, func(r observed.RawRow) error { v.Rows = append(v.Rows, r); return nil })
	if err != nil {
		v.RowsErr = err.Error()
	}
	srv, err := s.Servers(ctx)
	if err == nil {
		slices.SortFunc(srv, func(a, b observed.RawServer) int { return cmp.Compare(a.Name, b.Name) })
		v.Servers = srv
	}
	sortRows(v.Rows)
	if v.NS, err = s.Setting(ctx); err != nil {
		t.Fatal(err)
	}
	if v.Snapshots, err = s.Snapshots(ctx, s.Packages()); err != nil {
		t.Fatal(err)
	}
	for _, h := range s.Hosts() {
		if !full {
			break
		}
		f, err := s.Agent(ctx, h, s.Packages())
		av := agentView{Facts: f}
		if err != nil {
			av.Err = err.Error()
		}
		av.Truth, _ = s.Truth(h)
		v.Agents = append(v.Agents, av)
	}
	v.NotReady, v.Applied, v.Unsafe, v.Timeline = s.NotReady(), s.Applied(), s.UnsafePathsTouched(), s.Timeline()
	return v
}

func sortRows(rows []observed.RawRow) {
	slices.SortFunc(rows, func(a, b observed.RawRow) int {
		return cmp.Or(cmp.Compare(a.ServerName, b.ServerName), cmp.Compare(a.PackageID, b.PackageID))
	})
}

// sameView fails the test when the two stores show different things.
func sameView(t testing.TB, step string, b stores) view { return sameSome(t, step, b, true) }

// sameSome is sameView, reading every agent's files only when full is set.
func sameSome(t testing.TB, step string, b stores, full bool) view {
	t.Helper()
	vm, vd := observeSome(t, b.mem, full), observeSome(t, b.disk, full)
	if !reflect.DeepEqual(vm, vd) {
		t.Fatalf("%s: memory and disk differ:\n%s", step, diffJSON(vm, vd))
	}
	return vm
}

// diffJSON shows the lines where two values' JSON forms differ.
func diffJSON(a, b any) string {
	ja, _ := json.MarshalIndent(a, "", " ")
	jb, _ := json.MarshalIndent(b, "", " ")
	la, lb := strings.Split(string(ja), "\n"), strings.Split(string(jb), "\n")
	var out []string
	for i := 0; i < max(len(la), len(lb)) && len(out) < 40; i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d:\n  memory: %s\n  disk:   %s", i+1, x, y))
		}
	}
	return strings.Join(out, "\n")
}

// act builds an action.
func act(k actions.Kind, server string, pkg vocab.GUID) actions.Action {
	t := actions.Target{Server: vocab.Host(server), Package: pkg}
	return actions.Action{ID: actions.FormatID(k, t, 0, ""), Kind: k, Target: t}
}

func setMode(m vocab.Mode, account string) actions.Action {
	a := act(actions.SetCredentialMode, "", "")
	a.Mode, a.Account = m, account
	return a
}

func grant(server, account string) actions.Action {
	a := act(actions.GrantACL, server, "")
	a.Account = account
	return a
}

// rowsOf returns the rows in question of one server, by package.
func rowsOf(v view, server string) map[string]observed.RawRow {
	out := map[string]observed.RawRow{}
	for _, r := range v.Rows {
		if r.ServerName == server {
			out[strings.ToLower(r.PackageID)] = r
		}
	}
	return out
}

// agentOf returns the observation of one server's agent.
func agentOf(t testing.TB, v view, server string) agentView {
	t.Helper()
	for _, a := range v.Agents {
		if string(a.Truth.Server) == server {
			return a
		}
	}
	t.Fatalf("no agent %s", server)
	return agentView{}
}

// faultOf returns the resolved fault of a kind.
func faultOf(t testing.TB, s *Site, kind string) ResolvedFault {
	t.Helper()
	for _, f := range s.Faults() {
		if f.Kind == kind {
			return f
		}
	}
	t.Fatalf("no fault %s", kind)
	return ResolvedFault{}
}

func newClock() *clock.Fake { return clock.NewFake(t0) }
