package observed_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

var t0 = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

func pair(server vocab.Host, pkg vocab.GUID, st vocab.Status) observed.Pair {
	return observed.Pair{Server: server, Package: pkg, Status: st, Version: "1", PackageVersion: "2"}
}

// sample holds pairs on three servers, inserted out of order and with a
// server spelled in two cases, an agent, files, snapshots and servers.
func sample(t *testing.T) *observed.Observation {
	t.Helper()
	obs := observed.NewObservation(t0)
	must(t, obs.AddPair(
		pair("PS010", pkgB, vocab.Invalid),
		pair("ps002", pkgA, vocab.Pending),
		pair("PS002", pkgC, vocab.Invalid),
		pair("PS001", pkgB, vocab.Invalid),
		pair("PS001", pkgA, vocab.Ready),
	))
	must(t, obs.SetAgent(observed.Agent{Server: "PS001", Reachable: true, Facts: healthyFacts("PS001", []vocab.GUID{pkgB, pkgA})}))
	must(t, obs.SetAgent(observed.Agent{Server: "PS010", Error: "dial tcp: timeout"}))
	must(t, obs.SetFiles(observed.PackageFiles{Server: "PS002", Package: pkgC, SnapshotVersion: "2"}))
	must(t, obs.SetSnapshot(observed.Snapshot{Package: pkgC, Present: true, Version: "2"},
		observed.Snapshot{Package: pkgA, Present: false}))
	must(t, obs.SetServers(
		observed.Server{ID: srv2, Name: "PS002", Counts: map[string]int{"Ready": 3, "Invalid": 1}},
		observed.Server{ID: srv1, Name: "PS001", Counts: map[string]int{"Ready": 2}},
	))
	return obs
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func keys(ps []observed.Pair) []string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p.Server)+"/"+string(p.Package)[:1])
	}
	return out
}

func TestPairQueries(t *testing.T) {
	obs := sample(t)
	tests := []struct {
		name string
		got  []observed.Pair
		want []string
	}{
		{"all", obs.Pairs(), []string{"PS001/a", "PS001/b", "ps002/a", "PS002/c", "PS010/b"}},
		{"of server", obs.PairsOf("PS001"), []string{"PS001/a", "PS001/b"}},
		{"of server any case", obs.PairsOf("Ps002"), []string{"ps002/a", "PS002/c"}},
		{"of unknown server", obs.PairsOf("PS999"), nil},
		{"for package", obs.PairsFor(pkgB), []string{"PS001/b", "PS010/b"}},
		{"with status", obs.PairsWithStatus(vocab.Invalid), []string{"PS001/b", "PS002/c", "PS010/b"}},
		{"with status none", obs.PairsWithStatus(vocab.RetryingDownload), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want, got := tt.want, keys(tt.got); !reflect.DeepEqual(want, got) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestDerivedQueries(t *testing.T) {
	obs := sample(t)
	if want, got := []vocab.Host{"PS001", "ps002", "PS010"}, obs.ServersInQuestion(); !reflect.DeepEqual(want, got) {
		t.Errorf("ServersInQuestion got %v, want %v", got, want)
	}
	if want, got := []vocab.GUID{pkgA, pkgB, pkgC}, obs.PackagesInQuestion(); !reflect.DeepEqual(want, got) {
		t.Errorf("PackagesInQuestion got %v, want %v", got, want)
	}
	if want, got := []vocab.GUID{pkgA, pkgC}, obs.PackagesOf("PS002"); !reflect.DeepEqual(want, got) {
		t.Errorf("PackagesOf got %v, want %v", got, want)
	}
	need := obs.Need(func(h vocab.Host) bool { return h != "PS010" })
	want := map[vocab.Host][]vocab.GUID{"PS001": {pkgA, pkgB}, "ps002": {pkgA, pkgC}}
	if !reflect.DeepEqual(want, need) {
		t.Errorf("Need got %v, want %v", need, want)
	}
}

func TestAgentFilesSnapshotServerQueries(t *testing.T) {
	obs := sample(t)
	a, ok := obs.Agent("ps001")
	if !ok || !a.Reachable || a.Facts.Packages != nil || len(a.Facts.FullControl) != 3 {
		t.Errorf("Agent(ps001) = %+v, %v", a, ok)
	}
	if a, ok := obs.Agent("PS010"); !ok || a.Reachable || a.Error == "" {
		t.Errorf("Agent(PS010) = %+v, %v", a, ok)
	}
	if _, ok := obs.Agent("PS002"); ok {
		t.Error("Agent(PS002) found; never observed")
	}
	if got := len(obs.Agents()); got != 2 {
		t.Errorf("Agents: %d, want 2", got)
	}
	f, ok := obs.Files("PS001", pkgB)
	if !ok || f.Server != "PS001" || f.SnapshotVersion != "1" {
		t.Errorf("Files(PS001, b) = %+v, %v", f, ok)
	}
	if fs := obs.FilesOf("PS001"); len(fs) != 2 || fs[0].Package != pkgA {
		t.Errorf("FilesOf(PS001) = %+v", fs)
	}
	if fs := obs.FilesFor(pkgC); len(fs) != 1 || fs[0].Server != "PS002" {
		t.Errorf("FilesFor(c) = %+v", fs)
	}
	if s, ok := obs.Snapshot(pkgA); !ok || s.Present {
		t.Errorf("Snapshot(a) = %+v, %v", s, ok)
	}
	if _, ok := obs.Snapshot(pkgB); ok {
		t.Error("Snapshot(b) found; never read")
	}
	if ss := obs.Snapshots(); len(ss) != 2 || ss[0].Package != pkgA {
		t.Errorf("Snapshots = %+v", ss)
	}
	if ss := obs.Servers(); len(ss) != 2 || ss[0].Name != "PS001" || !obs.ServersListed {
		t.Errorf("Servers = %+v, listed %v", ss, obs.ServersListed)
	}
	if s, ok := obs.Server("ps002"); !ok || s.Counts["Invalid"] != 1 {
		t.Errorf("Server(ps002) = %+v, %v", s, ok)
	}
}

// Stored objects never change through the values given or returned.
func TestStoredObjectsAreCopies(t *testing.T) {
	obs := observed.NewObservation(t0)
	in := observed.Agent{Server: "PS001", Reachable: true, Facts: observed.AgentFacts{FullControl: []string{"SYSTEM"}}}
	srv := observed.Server{ID: srv1, Name: "PS001", Counts: map[string]int{"Ready": 1}}
	must(t, obs.SetAgent(in))
	must(t, obs.SetServers(srv))
	in.Facts.FullControl[0] = "changed by caller"
	srv.Counts["Ready"] = 99

	got, _ := obs.Agent("PS001")
	got.Facts.FullControl[0] = "changed by reader"
	s, _ := obs.Server("PS001")
	s.Counts["Invalid"] = 5

	again, _ := obs.Agent("PS001")
	if again.Facts.FullControl[0] != "SYSTEM" {
		t.Errorf("stored agent changed: %v", again.Facts.FullControl)
	}
	if s2, _ := obs.Server("PS001"); !reflect.DeepEqual(s2.Counts, map[string]int{"Ready": 1}) {
		t.Errorf("stored server changed: %v", s2.Counts)
	}
}

func TestBuilderRejectsMalformedValuesAtomically(t *testing.T) {
	good := pair("PS001", pkgA, vocab.Invalid)
	tests := []struct {
		name string
		bad  observed.Pair
	}{
		{"host", pair(`..\PS001`, pkgA, vocab.Invalid)},
		{"device name", pair("NUL", pkgA, vocab.Invalid)},
		{"guid", pair("PS001", vocab.GUID(`..\..\Windows\System32`), vocab.Invalid)},
		{"upper-case guid", pair("PS001", "AAAAAAAA-0000-0000-0000-000000000001", vocab.Invalid)},
		{"server id", observed.Pair{Server: "PS001", ServerID: "x", Package: pkgA, Status: vocab.Invalid}},
		{"empty status", pair("PS001", pkgB, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := observed.NewObservation(t0)
			if err := obs.AddPair(good, tt.bad); err == nil {
				t.Fatal("AddPair accepted a malformed pair")
			}
			if n := len(obs.Pairs()); n != 0 {
				t.Errorf("%d pairs stored after a failed AddPair; want none", n)
			}
		})
	}
	obs := observed.NewObservation(t0)
	errs := []error{
		obs.SetAgent(observed.Agent{Server: "bad host"}),
		obs.SetFiles(observed.PackageFiles{Server: "PS001", Package: "nope"}),
		obs.SetSnapshot(observed.Snapshot{Package: "nope"}),
		obs.SetServers(observed.Server{Name: "PS001", ID: "nope"}),
	}
	for i, err := range errs {
		if err == nil {
			t.Errorf("write %d accepted a malformed value", i)
		}
	}
	if obs.ServersListed {
		t.Error("ServersListed set by a failed SetServers")
	}
}

func TestZeroObservation(t *testing.T) {
	var obs observed.Observation
	if obs.AddPair(pair("PS001", pkgA, vocab.Invalid)) == nil {
		t.Error("write to a zero Observation succeeded")
	}
	if obs.Pairs() != nil || obs.Servers() != nil {
		t.Error("zero Observation returned rows")
	}
	if _, ok := obs.Agent("PS001"); ok {
		t.Error("zero Observation returned an agent")
	}
}

func TestAddPairReplacesSameServerAndPackage(t *testing.T) {
	obs := observed.NewObservation(t0)
	must(t, obs.AddPair(pair("PS001", pkgA, vocab.Invalid)))
	must(t, obs.AddPair(pair("ps001", pkgA, vocab.Pending)))
	got := obs.Pairs()
	if len(got) != 1 || got[0].Status != vocab.Pending {
		t.Fatalf("Pairs = %+v", got)
	}
	if len(obs.PairsWithStatus(vocab.Invalid)) != 0 {
		t.Error("status index kept the replaced pair")
	}
}

func TestRejectsSorted(t *testing.T) {
	obs := observed.NewObservation(t0)
	obs.AddRejects(observed.Reject{Server: "PS2", Reason: "b"}, observed.Reject{Server: "PS1", Reason: "z"})
	obs.AddRejects(observed.Reject{Server: "PS1", Reason: "a"})
	var got []string
	for _, r := range obs.Rejects {
		got = append(got, r.Server+":"+r.Reason)
	}
	if want := []string{"PS1:a", "PS1:z", "PS2:b"}; !slices.Equal(got, want) {
		t.Errorf("Rejects = %v, want %v", got, want)
	}
}
