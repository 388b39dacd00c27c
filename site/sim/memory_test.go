package sim

import (
	"reflect"
	"runtime"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

func TestCloneIsIndependent(t *testing.T) {
	sc := small(t, `{"kind": "acl_missing", "servers": ["PS001"]}, {"kind": "cmdb_down", "from": "1h", "for": "1h"}`)
	s, err := NewMemory(sc, sc.Seed, Options{Clock: newClock()})
	if err != nil {
		t.Fatal(err)
	}
	before, key := observe(t, s), s.StateKey()
	c := s.Clone()
	if c.StateKey() != key || !reflect.DeepEqual(observe(t, c), before) {
		t.Fatal("the clone differs from its original")
	}
	for _, a := range []actions.Action{grant("PS001", acct), act(actions.ResendStatus, "PS001", ""), act(actions.DeleteNSSnapshot, "", s.Packages()[0])} {
		if err := c.Apply(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if c.NotReady() != 0 || c.StateKey() == key {
		t.Fatalf("clone: not ready %d", c.NotReady())
	}
	if after := observe(t, s); !reflect.DeepEqual(after, before) || s.StateKey() != key {
		t.Fatalf("acting on the clone changed the original:\n%s", diffJSON(before, after))
	}
}

func TestStateKey(t *testing.T) {
	sc := small(t, `{"kind": "status_lost", "servers": ["PS002"]}`)
	base, err := NewMemory(sc, sc.Seed, Options{Clock: newClock()})
	if err != nil {
		t.Fatal(err)
	}
	g := base.Packages()[2]
	tests := []struct {
		name  string
		a, b  []actions.Action
		equal bool
	}{
		{"nothing", nil, nil, true},
		{"refresh restores a deleted NS snapshot", []actions.Action{act(actions.DeleteNSSnapshot, "", g), act(actions.RunPackageRefresh, "", "")}, nil, true},
		{"update_configuration on a healthy PS", []actions.Action{act(actions.UpdateConfiguration, "PS001", "")}, nil, true},
		{"grant twice", []actions.Action{grant("PS001", `CORP\x`), grant("PS001", `CORP\x`)}, []actions.Action{grant("PS001", `CORP\x`)}, true},
		{"a report repairs rows", []actions.Action{act(actions.ResendStatus, "PS002", "")}, nil, false},
		{"a deleted status file", []actions.Action{act(actions.DeletePSStatus, "PS001", g)}, nil, false},
		{"a report rewrites a deleted status file", []actions.Action{act(actions.DeletePSStatus, "PS001", g), act(actions.ResendStatus, "PS001", "")}, nil, true},
		{"a new policy version", []actions.Action{setMode("acc", acct)}, nil, false},
	}
	for _, tc := range tests {
		a, b := base.Clone(), base.Clone()
		for _, x := range tc.a {
			if err := a.Apply(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		for _, x := range tc.b {
			if err := b.Apply(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		if got := a.StateKey() == b.StateKey(); got != tc.equal {
			t.Errorf("%s: equal keys %t, want %t\n%s\n%s", tc.name, got, tc.equal, a.StateKey(), b.StateKey())
		}
	}
}

func TestCloneAndStateKeyNeedMemory(t *testing.T) {
	b := newStores(t, small(t, ""))
	for _, f := range []func(){func() { b.disk.Clone() }, func() { _ = b.disk.StateKey() }} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic on a disk site")
				}
			}()
			f()
		}()
	}
}

// TestLargeMemorySite: a 2,000 x 2,000 site (4M pairs) with faults builds
// quickly, stays small, and answers from its indexes.
func TestLargeMemorySite(t *testing.T) {
	if testing.Short() {
		t.Skip("large site")
	}
	sc := mustParse(t, `{"seed": 5, "servers": 2000, "packages": 2000, "credential": {"mode": "acc", "account": "CORP\\svc"},
		"faults": [{"kind": "status_lost", "count": 20}, {"kind": "acl_missing", "count": 20},
		{"kind": "stale_ns_snapshot", "count": 50, "packages": 10}, {"kind": "bad_row", "package_id": "x"}]}`)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	h0 := heap()
	s, err := NewMemory(sc, sc.Seed, Options{Clock: newClock()})
	if err != nil {
		t.Fatal(err)
	}
	if mb := (heap() - h0) >> 20; mb > 100 {
		t.Errorf("the site holds %d MiB", mb)
	}
	want := 20*2000 + 20*2000 + 50*10
	if n := s.NotReady(); n != want {
		t.Fatalf("not ready %d, want %d", n, want)
	}
	rows := 0
	if err := s.InQuestion(ctx, func(observed.RawRow) error { rows++; return nil }); err != nil || rows != want+1 {
		t.Fatalf("%d rows in question, %v", rows, err)
	}
	for _, h := range faultOf(t, s, scenario.ACLMissing).Servers {
		if err := s.Apply(ctx, grant(string(h), `CORP\svc`)); err != nil {
			t.Fatal(err)
		}
		if err := s.Apply(ctx, act(actions.ResendStatus, string(h), "")); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.NotReady(); n != want-20*2000 {
		t.Fatalf("not ready %d after repairing the ACLs", n)
	}
	runtime.KeepAlive(s)
}
