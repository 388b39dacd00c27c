package observed_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/observed"
)

const (
	sidA = "11111111-0000-4000-8000-000000000001"
	sidB = "22222222-0000-4000-8000-000000000002"
	sidC = "33333333-0000-4000-8000-000000000003"
	pkgX = "aaaaaaaa-0000-4000-8000-00000000000a"
	pkgY = "bbbbbbbb-0000-4000-8000-00000000000b"
)

func raw(sid, name, pkg, status, version, pkgVersion string) observed.RawRow {
	return observed.RawRow{ServerID: sid, ServerName: name, PackageID: pkg, PackageName: "P", Status: status,
		Version: version, PackageVersion: pkgVersion, PackageKnown: true}
}

// Conflicting facts are found at read, reported, and the pairs they name
// are left out; the rest of the read is unaffected.
func TestConflictsAreFoundAndTheirPairsLeftOut(t *testing.T) {
	tests := []struct {
		name   string
		rows   []observed.RawRow
		list   []observed.RawServer // the server list, when read
		kind   observed.ConflictKind
		values []string
		held   int
		pairs  []string // the pairs left, "server package"
	}{
		{"two latest versions of a package (a healthy row at one, in question at the other)",
			[]observed.RawRow{raw(sidA, "PS001", pkgX, "Ready", "2", "2"), raw(sidA, "PS001", pkgX, "Ready", "2", "1"),
				raw(sidB, "PS002", pkgY, "Invalid", "1", "1")},
			nil, observed.ConflictPackageVersions, []string{"1", "2"}, 1, []string{"PS002 " + pkgY}},
		{"one name, two server ids (in either case)",
			[]observed.RawRow{raw(sidA, "PS001", pkgX, "Ready", "2", "2"), raw(sidB, "ps001", pkgX, "Invalid", "2", "2"),
				raw(sidC, "PS003", pkgX, "Invalid", "2", "2")},
			nil, observed.ConflictServerIDs, []string{sidA, sidB}, 1, []string{"PS003 " + pkgX}},
		{"one server id, two names",
			[]observed.RawRow{raw(sidA, "PS001", pkgX, "Invalid", "2", "2"), raw(sidA, "PS009", pkgX, "Invalid", "2", "2"),
				raw(sidC, "PS003", pkgY, "Invalid", "1", "1")},
			nil, observed.ConflictServerNames, []string{"PS001", "PS009"}, 2, []string{"PS003 " + pkgY}},
		{"two rows of one pair that disagree (ids spelt two ways)",
			[]observed.RawRow{raw(sidA, "PS001", pkgX, "Invalid", "2", "2"), raw("{"+sidA+"}", "PS001", strings.ToUpper(pkgX), "Pending", "2", "2"),
				raw(sidA, "PS001", pkgY, "Invalid", "1", "1")},
			nil, observed.ConflictPairRows, []string{"Invalid at version 2 (package at 2)", "Pending at version 2 (package at 2)"}, 2,
			[]string{"PS001 " + pkgY}},
		{"one name, two ids in the server list only (the rows show one)",
			[]observed.RawRow{raw(sidA, "PS001", pkgX, "Invalid", "2", "2"), raw(sidC, "PS003", pkgX, "Invalid", "2", "2")},
			[]observed.RawServer{{ID: sidA, Name: "PS001"}, {ID: sidB, Name: "PS001"}, {ID: sidC, Name: "PS003"}},
			observed.ConflictServerIDs, []string{sidA, sidB}, 1, []string{"PS003 " + pkgX}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cm := rowsCMDB(nil, tc.rows...)
			cm.ServersFunc = func(context.Context) ([]observed.RawServer, error) { return tc.list, nil }
			o := &observed.Observer{CMDB: cm, NS: nsOK}
			obs := o.ReadSite(context.Background(), t0, tc.list != nil)
			if obs.CMDBErr != nil {
				t.Fatal(obs.CMDBErr)
			}
			if len(obs.Conflicts) != 1 {
				t.Fatalf("conflicts %+v, want one", obs.Conflicts)
			}
			c := obs.Conflicts[0]
			if c.Kind != tc.kind || !slices.Equal(c.Values, tc.values) || c.Held != tc.held {
				t.Errorf("conflict %+v, want %s %v held %d", c, tc.kind, tc.values, tc.held)
			}
			if c.Message() == "" {
				t.Error("no message")
			}
			var got []string
			for _, p := range obs.Pairs() {
				got = append(got, string(p.Server)+" "+string(p.Package))
			}
			if !slices.Equal(got, tc.pairs) {
				t.Errorf("pairs %v, want %v", got, tc.pairs)
			}
			for _, s := range obs.Servers() {
				if obs.Conflicted(s.Name) {
					t.Errorf("a conflicting server is listed: %+v", s)
				}
			}
			if len(obs.Rejects) != 0 {
				t.Errorf("rejects %+v: a conflict is not a malformed row", obs.Rejects)
			}
		})
	}
}

// Rows that agree are duplicates, not a conflict: one pair, one reject.
func TestAgreeingDuplicatesAreNoConflict(t *testing.T) {
	rows := []observed.RawRow{raw(sidA, "PS001", pkgX, "Invalid", "2", "2"), raw("{"+sidA+"}", "PS001", pkgX, "Invalid", "2", "2")}
	obs := (&observed.Observer{CMDB: rowsCMDB(nil, rows...), NS: nsOK}).ReadSite(context.Background(), t0, false)
	if len(obs.Conflicts) != 0 || len(obs.Pairs()) != 1 || len(obs.Rejects) != 1 {
		t.Fatalf("conflicts %+v, pairs %+v, rejects %+v", obs.Conflicts, obs.Pairs(), obs.Rejects)
	}
}

// ListServers after a read: a name the list shows under two ids takes
// out the pairs the rows gave it.
func TestListServersFindsConflictsAfterTheRead(t *testing.T) {
	cm := rowsCMDB(nil, raw(sidA, "PS001", pkgX, "Invalid", "2", "2"), raw(sidC, "PS003", pkgX, "Invalid", "2", "2"))
	cm.ServersFunc = func(context.Context) ([]observed.RawServer, error) {
		return []observed.RawServer{{ID: sidA, Name: "PS001"}, {ID: sidB, Name: "PS001"}, {ID: sidC, Name: "PS003"}}, nil
	}
	o := &observed.Observer{CMDB: cm, NS: nsOK}
	obs := o.ReadSite(context.Background(), t0, false)
	if len(obs.PairsOf("PS001")) != 1 {
		t.Fatal("PS001's pair not read")
	}
	o.ListServers(context.Background(), obs)
	if len(obs.PairsOf("PS001")) != 0 || len(obs.Conflicts) != 1 || obs.Conflicts[0].Held != 1 {
		t.Fatalf("pairs %+v, conflicts %+v", obs.PairsOf("PS001"), obs.Conflicts)
	}
	if _, ok := obs.Server("PS001"); ok {
		t.Error("PS001 listed")
	}
	if _, ok := obs.Server("PS003"); !ok {
		t.Error("PS003 not listed")
	}
}

// A conflict warns when it first appears and when it goes, not at every
// read (as a rejected row does); a failed read says nothing about it. A
// conflict only the server list shows is not gone in the reads between
// two reads of the list (a pass lists the servers now and then), only in
// a read of the list without it.
func TestConflictWarnsOnceWhenItAppearsAndOnceWhenItGoes(t *testing.T) {
	twice := []observed.RawRow{raw(sidA, "PS001", pkgX, "Invalid", "2", "2"), raw(sidB, "ps001", pkgX, "Invalid", "2", "2")}
	one := twice[:1]
	shared := []observed.RawServer{{ID: sidA, Name: "PS001"}, {ID: sidC, Name: "PS001"}}
	// per read: the rows, the server list when listed, or a failure
	reads := []struct {
		rows []observed.RawRow
		list []observed.RawServer
		fail bool
		want string
	}{
		{rows: one, want: "0 conflicts"},
		{rows: twice, want: "1 conflicts, warned"}, // appears
		{rows: twice, want: "1 conflicts"},         // still there
		{fail: true, want: "0 conflicts"},          // unknown: nothing
		{rows: twice, want: "1 conflicts"},
		{rows: one, want: "0 conflicts, warned gone"},          // gone
		{rows: one, list: shared, want: "1 conflicts, warned"}, // in the list only
		{rows: one, want: "0 conflicts"},                       // the list not read: not gone
		{rows: one, list: shared, want: "1 conflicts"},
		{rows: one, list: shared[:1], want: "0 conflicts, warned gone"},
	}
	i := 0
	cm := &fakeCMDB{
		InQuestionFunc: func(_ context.Context, fn func(observed.RawRow) error) error {
			if reads[i].fail {
				return errors.New("connection reset")
			}
			for _, row := range reads[i].rows {
				if err := fn(row); err != nil {
					return err
				}
			}
			return nil
		},
		ServersFunc: func(context.Context) ([]observed.RawServer, error) { return reads[i].list, nil },
	}
	var logs bytes.Buffer
	o := &observed.Observer{CMDB: cm, NS: nsOK, Ages: &observed.Ages{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	var got, want []string
	for i = range reads {
		logs.Reset()
		obs := o.ReadSite(context.Background(), t0.Add(time.Duration(i)*time.Minute), false)
		if reads[i].list != nil {
			o.ListServers(context.Background(), obs)
		}
		line := fmt.Sprintf("%d conflicts", len(obs.Conflicts))
		for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			switch {
			case strings.Contains(l, "no longer states a fact two ways"):
				line += ", warned gone"
			case strings.Contains(l, "states a fact two ways"):
				line += ", warned"
			}
		}
		got, want = append(got, line), append(want, reads[i].want)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("per read:\n %q\nwant\n %q", got, want)
	}
}
