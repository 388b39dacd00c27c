package observed

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

var histT0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// inProgress is a's memory of the pairs in progress.
func (a *Ages) inProgressPairs() map[ageKey]time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[ageKey]time.Time{}
	for k, at := range a.first {
		if k.status.InProgress() {
			out[k] = at
		}
	}
	return out
}

// roundTrip is what a reader gets of a delta journaled as JSON.
func roundTrip(t *testing.T, d AgeDelta) AgeDelta {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back AgeDelta
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

// Passes over a random estate, each journaling a bounded delta (some lost,
// as when a pass_end cannot be written): whenever a delta left nothing out,
// the history rebuilt from the journaled deltas knows exactly the pairs in
// progress that the daemon's Ages knows, with the same first-seen times.
func TestHistoryFollowsTheDaemonsAges(t *testing.T) {
	for seed := range uint64(8) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { followTheDaemon(t, rand.New(rand.NewPCG(seed, 9))) })
	}
}

func followTheDaemon(t *testing.T, rng *rand.Rand) {
	servers := []vocab.Host{"PS001", "ps002", "PS003.corp.example", "PS004", "PS005"}
	statuses := []vocab.Status{vocab.Pending, vocab.DownloadPending, vocab.Invalid, vocab.RetryingDownload}
	var pkgs []vocab.GUID
	for i := range 6 {
		pkgs = append(pkgs, vocab.MustGUID(fmt.Sprintf("aaaaaaaa-0000-0000-0000-%012d", i)))
	}
	ages := &Ages{}
	var h AgeHistory
	checked := 0
	for pass := range 300 {
		now := histT0.Add(time.Duration(pass) * time.Minute)
		var ps []Pair
		for _, s := range servers {
			for _, p := range pkgs {
				if rng.IntN(3) == 0 {
					ps = append(ps, Pair{Server: s, Package: p, Status: statuses[rng.IntN(len(statuses))]})
				}
			}
		}
		if rng.IntN(4) != 0 { // most passes see only a few pairs
			ps = ps[:min(len(ps), rng.IntN(4))]
		}
		ages.Observe(now, ps)
		d := ages.Delta(1 + rng.IntN(8))
		if rng.IntN(20) == 0 { // the pass_end was not written
			ages.Unrecorded()
			continue
		}
		h.Apply(now, roundTrip(t, d))
		if d.More == 0 {
			if got, want := h.first, ages.inProgressPairs(); !maps.EqualFunc(got, want, time.Time.Equal) {
				t.Fatalf("pass %d: history %v, daemon %v", pass, got, want)
			}
			checked++
		}
	}
	if checked < 50 {
		t.Fatalf("only %d passes checked", checked)
	}
}

// A one-shot seeded with the history sees a pair the daemon first saw
// Pending an hour ago as an hour old, and a pair it never saw as new.
func TestSeededAgesKnowTheDaemonsPairs(t *testing.T) {
	daemon := &Ages{}
	old := Pair{Server: "PS001", Package: vocab.MustGUID("aaaaaaaa-0000-0000-0000-000000000001"), Status: vocab.Pending}
	daemon.Observe(histT0, []Pair{old})
	var h AgeHistory
	h.Apply(histT0, roundTrip(t, daemon.Delta(maxTestLimit)))
	oneShot := &Ages{}
	oneShot.Seed(&h)
	later := histT0.Add(time.Hour)
	fresh := Pair{Server: "PS002", Package: old.Package, Status: vocab.Pending}
	ps := []Pair{old, fresh}
	oneShot.Observe(later, ps)
	if !ps[0].Since.Equal(histT0) || !ps[1].Since.Equal(later) {
		t.Fatalf("Since %v, %v; want %v (the daemon's) and %v (just seen)", ps[0].Since, ps[1].Since, histT0, later)
	}
}

const maxTestLimit = 1000

// A delta lists at most its limit, ended pairs first, and its JSON stays
// small; the rest follows in later deltas.
func TestDeltaIsBounded(t *testing.T) {
	ages := &Ages{}
	var ps []Pair
	for s := range 50 {
		for p := range 100 {
			ps = append(ps, Pair{Server: vocab.Host(fmt.Sprintf("PS%03d", s)),
				Package: vocab.MustGUID(fmt.Sprintf("aaaaaaaa-0000-0000-0000-%012d", p)), Status: vocab.Pending})
		}
	}
	ages.Observe(histT0, ps) // 5,000 pairs start at once
	var sizes []int
	total := 0
	for i := range 6 {
		d := ages.Delta(maxTestLimit)
		b, _ := json.Marshal(d)
		sizes = append(sizes, len(b))
		n := 0
		for _, g := range d.Started {
			for _, pk := range g.Pairs {
				n += len(pk)
			}
		}
		total += n
		if want := min(maxTestLimit, 5000-i*maxTestLimit); n != max(want, 0) || d.Reset != (i == 0) {
			t.Fatalf("delta %d: %d pairs, reset %v, more %d", i, n, d.Reset, d.More)
		}
	}
	if total != 5000 || sizes[0] > 64<<10 {
		t.Fatalf("%d pairs in all; sizes %v bytes", total, sizes)
	}
	ages.Observe(histT0.Add(time.Minute), ps[:10]) // 4,990 end
	d := ages.Delta(maxTestLimit)
	if len(d.Started) != 0 || len(d.Ended) == 0 || d.More != 3990 {
		t.Fatalf("after 4,990 ended: started %d groups, more %d", len(d.Started), d.More)
	}
}

// A journal is read back, not trusted: entries with a bad host, id,
// status or time are skipped.
func TestApplySkipsMalformedEntries(t *testing.T) {
	good := vocab.MustGUID("aaaaaaaa-0000-0000-0000-000000000001")
	d := AgeDelta{Reset: true, Started: []AgeGroup{
		{Since: histT0, Status: vocab.Pending, Pairs: map[string][]vocab.GUID{
			"ps001": {good, "../../etc", "AAAAAAAA-0000-0000-0000-000000000001"}, "PS002": {good}, "con": {good}, "ps 3": {good}}},
		{Since: histT0, Status: vocab.Invalid, Pairs: map[string][]vocab.GUID{"ps004": {good}}},
		{Since: histT0.Add(time.Hour), Status: vocab.Pending, Pairs: map[string][]vocab.GUID{"ps005": {good}}},
		{Status: vocab.Pending, Pairs: map[string][]vocab.GUID{"ps006": {good}}},
	}}
	var h AgeHistory
	h.Apply(histT0, d)
	want := map[ageKey]time.Time{{server: "ps001", pkg: good, status: vocab.Pending}: histT0}
	if !maps.EqualFunc(h.first, want, time.Time.Equal) {
		t.Fatalf("history %v, want %v", h.first, want)
	}
}

// A pass's delta over 100,000 pairs in question, 10,000 of them Pending,
// when nothing changed: the cost the daemon adds to every pass.
func BenchmarkDeltaUnchanged(b *testing.B) {
	ages := &Ages{}
	var ps []Pair
	for s := range 1000 {
		for p := range 100 {
			st := vocab.Invalid
			if p%10 == 0 {
				st = vocab.Pending
			}
			ps = append(ps, Pair{Server: vocab.Host(fmt.Sprintf("PS%04d", s)),
				Package: vocab.MustGUID(fmt.Sprintf("aaaaaaaa-0000-0000-0000-%012d", p)), Status: st})
		}
	}
	ages.Observe(histT0, ps)
	for ages.Delta(maxTestLimit).More > 0 {
	}
	for b.Loop() {
		if d := ages.Delta(maxTestLimit); !d.Empty() {
			b.Fatal("delta without a change")
		}
	}
}

// FuzzApplyDelta: whatever a journal's pass_end holds, Apply keeps only
// well-formed pairs in progress, first seen no later than their pass.
func FuzzApplyDelta(f *testing.F) {
	good, _ := json.Marshal(AgeDelta{Reset: true, Started: []AgeGroup{{Since: histT0, Status: vocab.Pending,
		Pairs: map[string][]vocab.GUID{"ps001": {vocab.MustGUID("aaaaaaaa-0000-0000-0000-000000000001")}}}}})
	f.Add(good)
	f.Add([]byte(`{"ended":[{"status":"Pending","pairs":{"ps001":["aaaaaaaa-0000-0000-0000-000000000001"]}}],"more":3}`))
	f.Add([]byte(`{"started":[{"since":"2026-11-24T10:00:00Z","status":"Pending","pairs":{"..\\..":["x"]}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d AgeDelta
		if json.Unmarshal(b, &d) != nil {
			return
		}
		var h AgeHistory
		h.Apply(histT0, d)
		for k, at := range h.first {
			if _, err := vocab.ParseHost(k.server); err != nil || !k.pkg.Valid() || !k.status.InProgress() || at.After(histT0) || at.IsZero() {
				t.Fatalf("kept %+v at %v", k, at)
			}
		}
	})
}
