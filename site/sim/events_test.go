package sim

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

func TestUnreachableWindow(t *testing.T) {
	b := newStores(t, small(t, `{"kind": "unreachable", "servers": ["PS001"], "from": "5m", "for": "10m"}`))
	tests := []struct {
		at        time.Duration
		reachable bool
	}{{0, true}, {5*time.Minute - time.Second, true}, {5 * time.Minute, false}, {15*time.Minute - time.Nanosecond, false}, {15 * time.Minute, true}}
	for _, tc := range tests {
		b.clk.Set(t0.Add(tc.at))
		for _, st := range b.each() {
			_, aerr := st.s.Agent(ctx, "PS001", st.s.Packages())
			uerr := st.s.Apply(ctx, act(actions.UpdateConfiguration, "PS001", ""))
			truth, _ := st.s.Truth("PS001")
			if tc.reachable != (aerr == nil) || tc.reachable != (uerr == nil) || truth.Reachable != tc.reachable {
				t.Errorf("%s at %s: agent %v, apply %v, truth %+v", st.name, tc.at, aerr, uerr, truth)
			}
			if !tc.reachable && (!errors.Is(aerr, ErrUnreachable) || !errors.Is(uerr, ErrUnreachable)) {
				t.Errorf("%s at %s: errors are not ErrUnreachable: %v, %v", st.name, tc.at, aerr, uerr)
			}
		}
	}
	v := sameView(t, "end", b)
	if v.Applied[actions.UpdateConfiguration] != 3 {
		t.Errorf("applied %v", v.Applied)
	}
}

func TestCMDBDownQueuesReports(t *testing.T) {
	b := newStores(t, small(t, `{"kind": "acl_missing", "servers": ["PS001"]}, {"kind": "cmdb_down", "from": "10m", "for": "20m"}`))
	b.clk.Set(t0.Add(12 * time.Minute))
	for _, st := range b.each() {
		if err := st.s.InQuestion(ctx, nil); !errors.Is(err, ErrCMDBDown) {
			t.Fatalf("%s: InQuestion while down: %v", st.name, err)
		}
		for _, a := range []actions.Action{grant("PS001", acct), act(actions.ResendStatus, "PS001", "")} {
			if err := st.s.Apply(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		if n := st.s.NotReady(); n != 4 {
			t.Fatalf("%s: the report reached the CMDB while down: not ready %d", st.name, n)
		}
	}
	v := sameView(t, "down", b)
	if sig := agentOf(t, v, "PS001").Facts.LogSignatures; len(sig) != 0 {
		t.Errorf("the agent logged a good report, yet shows %v", sig)
	}
	b.clk.Set(t0.Add(45 * time.Minute))
	v = sameView(t, "back", b)
	want := []Sample{{t0, 4}, {t0.Add(30 * time.Minute), 0}}
	if v.NotReady != 0 || !reflect.DeepEqual(v.Timeline, want) {
		t.Fatalf("not ready %d, timeline %v, want %v", v.NotReady, v.Timeline, want)
	}
}

// TestQueuedReportsKeepTheirOrder: a refused report and then a good one,
// both made while the CMDB is down, land in that order.
func TestQueuedReportsKeepTheirOrder(t *testing.T) {
	b := newStores(t, small(t, `{"kind": "cmdb_down", "from": "1m", "for": "1h"}`))
	b.clk.Set(t0.Add(2 * time.Minute))
	steps := []actions.Action{
		setMode(vocab.AppID, `CORP\svc-app`), act(actions.ResendStatus, "PS001", ""),
		act(actions.UpdateConfiguration, "PS001", ""), grant("PS001", `CORP\svc-app`), act(actions.ResendStatus, "PS001", ""),
		act(actions.ResendStatus, "PS002", ""),
	}
	for _, a := range steps {
		for _, st := range b.each() {
			if err := st.s.Apply(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	b.clk.Set(t0.Add(2 * time.Hour))
	v := sameView(t, "back", b)
	if len(rowsOf(v, "PS001")) != 0 || len(rowsOf(v, "PS002")) != 4 {
		t.Fatalf("rows in question %+v", v.Rows)
	}
	if want := []Sample{{t0, 0}, {t0.Add(61 * time.Minute), 4}}; !reflect.DeepEqual(v.Timeline, want) {
		t.Fatalf("timeline %v, want %v", v.Timeline, want)
	}
}

func TestDownloadEndReportsOnlyThosePackages(t *testing.T) {
	b := newStores(t, small(t, `{"kind": "downloading", "servers": ["PS001"], "for": "30m"},
		{"kind": "status_lost", "servers": ["PS001"], "packages": 1}`))
	dl := faultOf(t, b.mem, scenario.Downloading).Packages[0]
	lost := faultOf(t, b.mem, scenario.StatusLost).Packages[0]
	if dl == lost {
		t.Fatal("the seed gave both faults the same package")
	}
	b.clk.Set(t0.Add(29 * time.Minute))
	if v := sameView(t, "downloading", b); rowsOf(v, "PS001")[string(dl)].Status != "Pending" {
		t.Fatalf("rows %+v", v.Rows)
	}
	b.clk.Set(t0.Add(40 * time.Minute))
	v := sameView(t, "done", b)
	rows := rowsOf(v, "PS001")
	if len(rows) != 1 || rows[string(lost)].Status != "Invalid" {
		t.Fatalf("rows %+v", v.Rows)
	}
	if pf := files(t, v, "PS001", dl); pf.Local != vocab.LocalReady || pf.SnapshotVersion != ver(b.mem, dl) || pf.StatusRecorded != vocab.Ready {
		t.Fatalf("files %+v", pf)
	}
	if want := []Sample{{t0, 2}, {t0.Add(30 * time.Minute), 1}}; !reflect.DeepEqual(v.Timeline, want) {
		t.Fatalf("timeline %v, want %v", v.Timeline, want)
	}
}

// TestLateFaults: faults with a "from" break the site at that time, and an
// observation long after sees the samples at the events' own times.
func TestLateFaults(t *testing.T) {
	b := newStores(t, small(t, `{"kind": "acl_missing", "servers": ["PS002"], "from": "1h"},
		{"kind": "downloading", "servers": ["PS003"], "packages": 2, "from": "2h", "for": "30m"},
		{"kind": "bad_row", "servers": ["PS001"], "package_id": "{not-a-guid}", "from": "3h"}`))
	b.clk.Set(t0.Add(59 * time.Minute))
	if v := sameView(t, "before", b); v.NotReady != 0 || len(v.Rows) != 0 {
		t.Fatalf("broken early: %+v", v.Rows)
	}
	b.clk.Set(t0.Add(5 * time.Hour))
	v := sameView(t, "after", b)
	want := []Sample{{t0, 0}, {t0.Add(time.Hour), 4}, {t0.Add(2 * time.Hour), 6}, {t0.Add(150 * time.Minute), 4}}
	if !reflect.DeepEqual(v.Timeline, want) {
		t.Fatalf("timeline %v, want %v", v.Timeline, want)
	}
	if len(v.Rows) != 5 || v.Rows[0].PackageID != "{not-a-guid}" {
		t.Fatalf("rows %+v", v.Rows)
	}
}

// TestApplyTimeline: an action's sample is at the time it was applied.
func TestApplyTimeline(t *testing.T) {
	b := newStores(t, small(t, `{"kind": "status_lost", "servers": ["PS001", "PS002"]}`))
	for i, h := range []string{"PS001", "PS002"} {
		b.clk.Set(t0.Add(time.Duration(i+1) * time.Minute))
		for _, st := range b.each() {
			if err := st.s.Apply(ctx, act(actions.ResendStatus, h, "")); err != nil {
				t.Fatal(err)
			}
		}
	}
	v := sameView(t, "end", b)
	want := []Sample{{t0, 8}, {t0.Add(time.Minute), 4}, {t0.Add(2 * time.Minute), 0}}
	if !reflect.DeepEqual(v.Timeline, want) {
		t.Fatalf("timeline %v, want %v", v.Timeline, want)
	}
}

// TestInScope: NotReady and the timeline count in-scope servers only.
func TestInScope(t *testing.T) {
	sc := small(t, `{"kind": "status_lost", "servers": ["PS001", "PS002"]}`)
	opt := Options{Clock: newClock(), InScope: func(h vocab.Host) bool { return h != "PS002" }}
	mem, err := NewMemory(sc, sc.Seed, opt)
	if err != nil {
		t.Fatal(err)
	}
	disk, err := Open(ctx, t.TempDir(), sc, sc.Seed, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	for _, s := range []*Site{mem, disk} {
		if n := s.NotReady(); n != 4 {
			t.Errorf("not ready %d, want 4", n)
		}
		if err := s.Apply(ctx, act(actions.ResendStatus, "PS002", "")); err != nil {
			t.Fatal(err)
		}
		if tl := s.Timeline(); len(tl) != 1 {
			t.Errorf("an out-of-scope change made a sample: %v", tl)
		}
	}
}

// TestCMDBDownFromTheStart: the rows of time 0 are there even when the
// CMDB is down from the start, and a report made then waits for it.
func TestCMDBDownFromTheStart(t *testing.T) {
	b := newStores(t, small(t, `{"kind": "status_lost", "servers": ["PS001", "PS002"]}, {"kind": "cmdb_down", "for": "10m"}`))
	for _, st := range b.each() {
		if n := st.s.NotReady(); n != 8 {
			t.Fatalf("%s: not ready %d at time 0", st.name, n)
		}
		if err := st.s.Apply(ctx, act(actions.ResendStatus, "PS001", "")); err != nil {
			t.Fatal(err)
		}
	}
	b.clk.Set(t0.Add(5 * time.Minute))
	v := sameView(t, "down", b)
	if v.NotReady != 8 || v.RowsErr == "" {
		t.Fatalf("not ready %d, rows error %q", v.NotReady, v.RowsErr)
	}
	b.clk.Set(t0.Add(10 * time.Minute))
	if v := sameView(t, "back", b); v.NotReady != 4 || !reflect.DeepEqual(v.Timeline, []Sample{{t0, 8}, {t0.Add(10 * time.Minute), 4}}) {
		t.Fatalf("not ready %d, timeline %v", v.NotReady, v.Timeline)
	}
}
