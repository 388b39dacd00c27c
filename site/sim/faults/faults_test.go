package faults

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

// fakeCatalog is a catalog of n servers PS001... and the given packages.
type fakeCatalog struct {
	servers  int
	packages []vocab.GUID
}

func (c fakeCatalog) Server(h vocab.Host) (int, bool) {
	for i := range c.servers {
		if strings.EqualFold(string(h), scenario.ServerName(i, c.servers)) {
			return i, true
		}
	}
	return 0, false
}

func (c fakeCatalog) Package(g vocab.GUID) (int, bool) {
	i := slices.Index(c.packages, g)
	return i, i >= 0
}

func (c fakeCatalog) Size() (int, int) { return c.servers, len(c.packages) }

func guids(n int) []vocab.GUID {
	var out []vocab.GUID
	for i := range n {
		out = append(out, vocab.GUID(fmt.Sprintf("00000000-0000-4000-8000-%012d", i)))
	}
	return out
}

func parse(t *testing.T, faults string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse("f.json", []byte(`{"servers": 6, "packages": 5, "credential": {"mode": "anonymous"}, "faults": [`+faults+`]}`))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestResolve: named servers by index, counted ones fresh before reused,
// every list sorted, windows as offsets, a fault without "for" lasting
// the scenario.
func TestResolve(t *testing.T) {
	sc := parse(t, `{"kind": "acl_missing", "servers": ["ps004", "PS002"]},
		{"kind": "status_lost", "count": 4, "packages": 2},
		{"kind": "unreachable", "count": 2, "from": "1h", "for": "30m"}`)
	got, err := Resolve(sc, fakeCatalog{6, guids(5)}, 7)
	if err != nil {
		t.Fatal(err)
	}
	if f := got[0]; !reflect.DeepEqual(f.Servers, []int{1, 3}) || f.From != 0 || f.End != 24*time.Hour {
		t.Errorf("named: %+v", f)
	}
	// Four fresh servers are left after the named two: status_lost takes
	// them all, so unreachable must reuse.
	if f := got[1]; len(f.Servers) != 4 || slices.Contains(f.Servers, 1) || slices.Contains(f.Servers, 3) ||
		!slices.IsSorted(f.Servers) || len(f.Packages) != 2 || !slices.IsSorted(f.Packages) {
		t.Errorf("counted: %+v", f)
	}
	if f := got[2]; len(f.Servers) != 2 || !slices.IsSorted(f.Servers) || f.From != time.Hour || f.End != 90*time.Minute {
		t.Errorf("window: %+v", f)
	}
	again, _ := Resolve(sc, fakeCatalog{6, guids(5)}, 7)
	if !reflect.DeepEqual(got, again) {
		t.Error("the same seed resolves differently")
	}
}

func TestResolveRefusesABadRowNamingARealPackage(t *testing.T) {
	sc := parse(t, `{"kind": "bad_row", "package_id": "{00000000-0000-4000-8000-000000000003}"}`)
	if _, err := Resolve(sc, fakeCatalog{6, guids(5)}, 1); err == nil || !strings.Contains(err.Error(), "names a real package") {
		t.Fatalf("error %v", err)
	}
}

// TestSchedule: overlapping CMDB-down windows merge into one, with one
// CMDBUp at its end; windows are half-open; events of one instant come
// CMDB first, then injections, then download ends; a download's end is
// never before its start.
func TestSchedule(t *testing.T) {
	faults := []Fault{
		{Kind: scenario.CMDBDown, From: 10 * time.Minute, End: 30 * time.Minute},
		{Kind: scenario.CMDBDown, From: 20 * time.Minute, End: 40 * time.Minute},
		{Kind: scenario.Downloading, Servers: []int{2}, From: 40 * time.Minute, End: 40 * time.Minute},
		{Kind: scenario.ACLMissing, Servers: []int{1}, From: 40 * time.Minute},
		{Kind: scenario.Unreachable, Servers: []int{3}, From: time.Hour, End: 2 * time.Hour},
		{Kind: scenario.StatusLost, Servers: []int{0}},
	}
	s := NewSchedule(faults)
	want := []Event{
		{At: 0, Kind: Inject, Faults: []int{5}},
		{At: 40 * time.Minute, Kind: CMDBUp},
		{At: 40 * time.Minute, Kind: Inject, Faults: []int{2, 3}},
		{At: 40 * time.Minute, Kind: DownloadEnd, Faults: []int{2}},
	}
	if !reflect.DeepEqual(s.Events, want) {
		t.Errorf("events\n%+v\nwant\n%+v", s.Events, want)
	}
	for _, tc := range []struct {
		at   time.Duration
		down bool
	}{{9 * time.Minute, false}, {10 * time.Minute, true}, {35 * time.Minute, true}, {40 * time.Minute, false}} {
		if got := s.CMDBDown(tc.at); got != tc.down {
			t.Errorf("CMDBDown(%s) = %t", tc.at, got)
		}
	}
	if !s.Reachable(3, 59*time.Minute) || s.Reachable(3, time.Hour) || !s.Reachable(3, 2*time.Hour) || !s.Reachable(2, time.Hour) {
		t.Error("unreachable window wrong")
	}
}
