package sim

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

// TestInQuestionRows: exactly the rows in question, as the SQL query
// returns them (GUIDs upper-case), the bad row included, on both stores.
func TestInQuestionRows(t *testing.T) {
	b := newStores(t, small(t, `{"kind": "status_lost", "servers": ["PS002"], "packages": 2},
		{"kind": "bad_row", "servers": ["PS003"], "package_id": "{zzz}"}`))
	s := b.mem
	var want []observed.RawRow
	for _, g := range faultOf(t, s, scenario.StatusLost).Packages {
		p, _ := s.w.Cat.Package(g)
		want = append(want, observed.RawRow{
			ServerID: strings.ToUpper(string(s.w.Cat.Servers[1].ID)), ServerName: "PS002",
			PackageID: strings.ToUpper(string(g)), PackageName: s.w.Cat.Packages[p].Name,
			Status: "Invalid", Version: ver(s, g), PackageVersion: ver(s, g), PackageKnown: true,
		})
	}
	want = append(want, observed.RawRow{ServerID: strings.ToUpper(string(s.w.Cat.Servers[2].ID)), ServerName: "PS003", PackageID: "{zzz}", Status: "Invalid"})
	for _, st := range b.each() {
		var got []observed.RawRow
		if err := st.s.InQuestion(ctx, func(r observed.RawRow) error { got = append(got, r); return nil }); err != nil {
			t.Fatal(err)
		}
		sortRows(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: rows\n%+v\nwant\n%+v", st.name, got, want)
		}
		srv, err := st.s.Servers(ctx)
		if err != nil || len(srv) != 3 {
			t.Fatalf("%s: servers %v %v", st.name, srv, err)
		}
	}
}

// TestInQuestionCallback: the callback may call the site, and its error
// stops the read.
func TestInQuestionCallback(t *testing.T) {
	b := newStores(t, small(t, `{"kind": "status_lost", "servers": ["PS001"]}`))
	stop := errors.New("stop")
	for _, st := range b.each() {
		n := 0
		err := st.s.InQuestion(ctx, func(r observed.RawRow) error {
			n++
			if _, err := st.s.Agent(ctx, vocab.Host(r.ServerName), nil); err != nil {
				return err
			}
			if n == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 2 {
			t.Errorf("%s: %v after %d rows", st.name, err, n)
		}
	}
}

// TestAgentFactsAsked: an agent observation holds the packages asked
// for, in that order, and nothing else.
func TestAgentFactsAsked(t *testing.T) {
	b := newStores(t, small(t, ""))
	gs := b.mem.Packages()
	unknown := vocab.MustGUID("01234567-89ab-cdef-0123-456789abcdef")
	tests := []struct {
		name string
		ask  []vocab.GUID
	}{{"none", nil}, {"two in reverse", []vocab.GUID{gs[3], gs[1]}}, {"unknown", []vocab.GUID{unknown}}}
	for _, tc := range tests {
		for _, st := range b.each() {
			f, err := st.s.Agent(ctx, "ps002", tc.ask)
			if err != nil {
				t.Fatal(err)
			}
			if f.Server != "PS002" || len(f.Packages) != len(tc.ask) || !f.Applied.Equal(vocab.Credential{Mode: vocab.ACC, Account: acct}) {
				t.Fatalf("%s %s: %+v", tc.name, st.name, f)
			}
			for i, g := range tc.ask {
				p := f.Packages[i]
				want := observed.PackageFiles{Server: "PS002", Package: g, Local: vocab.LocalUnavailable}
				if g != unknown {
					want = observed.PackageFiles{Server: "PS002", Package: g, SnapshotPresent: true, SnapshotVersion: ver(b.mem, g),
						StatusPresent: true, StatusRecorded: vocab.Ready, Local: vocab.LocalReady}
				}
				if p != want {
					t.Errorf("%s %s: %+v, want %+v", tc.name, st.name, p, want)
				}
			}
		}
	}
	snaps, err := b.disk.Snapshots(ctx, []vocab.GUID{unknown, gs[0]})
	if err != nil || len(snaps) != 2 || snaps[0].Present || !snaps[1].Present {
		t.Fatalf("snapshots %+v %v", snaps, err)
	}
}
