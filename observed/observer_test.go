package observed_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

var nsOK = settingNS(observed.NSState{Credential: acc, PolicyVersion: 7})

// sqliteCMDB creates a SQLite CMDB holding healthy, broken and malformed
// rows, and returns a Reader over it.
func sqliteCMDB(t *testing.T) *cmdb.Reader {
	t.Helper()
	db, err := cmdb.Open(filepath.Join(t.TempDir(), "cmdb.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	stmts := []string{
		cmdb.SQLiteSchema,
		`INSERT INTO vItem VALUES
		  ('11111111-0000-0000-0000-000000000001', 'PS001'),
		  ('22222222-0000-0000-0000-000000000002', 'PS002'),
		  ('44444444-0000-0000-0000-000000000004', 'PS 004')`,
		`INSERT INTO SWDPackage VALUES
		  ('aaaaaaaa-0000-0000-0000-000000000001', '7-Zip', '3', 1),
		  ('aaaaaaaa-0000-0000-0000-000000000001', '7-Zip', '2', 0),
		  ('bbbbbbbb-0000-0000-0000-000000000002', 'Notepad++', '5', 1),
		  ('cccccccc-0000-0000-0000-000000000003', 'Office', '1', 1)`,
		`INSERT INTO SWDPackageServer VALUES
		  ('11111111-0000-0000-0000-000000000001', 'aaaaaaaa-0000-0000-0000-000000000001', 'Invalid', '2', NULL),
		  ('11111111-0000-0000-0000-000000000001', 'bbbbbbbb-0000-0000-0000-000000000002', 'Ready', '5', NULL),
		  ('11111111-0000-0000-0000-000000000001', 'cccccccc-0000-0000-0000-000000000003', 'Ready', '0', NULL),
		  ('11111111-0000-0000-0000-000000000001', '..\..\Windows\System32', 'Invalid', '', NULL),
		  ('11111111-0000-0000-0000-000000000001', 'dddddddd-0000-0000-0000-000000000004', 'Invalid', '1', NULL),
		  ('22222222-0000-0000-0000-000000000002', 'AAAAAAAA-0000-0000-0000-000000000001', 'pending', '', NULL),
		  ('22222222-0000-0000-0000-000000000002', 'bbbbbbbb-0000-0000-0000-000000000002', 'ready', '5', NULL),
		  ('22222222-0000-0000-0000-000000000002', 'CCCCCCCC-0000-0000-0000-000000000003', ' retrying download ', '', NULL),
		  ('33333333-0000-0000-0000-000000000003', 'aaaaaaaa-0000-0000-0000-000000000001', 'Invalid', '3', NULL),
		  ('44444444-0000-0000-0000-000000000004', 'aaaaaaaa-0000-0000-0000-000000000001', 'Invalid', '3', NULL)`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return &cmdb.Reader{DB: db}
}

// view is the JSON form of an Observation that golden files hold.
type view struct {
	At      time.Time         `json:"at"`
	NS      observed.NSState  `json:"ns"`
	Pairs   []observed.Pair   `json:"pairs"`
	Servers []observed.Server `json:"servers"`
	Rejects []observed.Reject `json:"rejects"`
}

func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update after checking):\n%s", path, got)
	}
}

func TestReadSiteFromSQLite(t *testing.T) {
	o := &observed.Observer{CMDB: sqliteCMDB(t), NS: nsOK}
	obs := o.ReadSite(context.Background(), t0, true)
	if obs.CMDBErr != nil || obs.NSErr != nil {
		t.Fatalf("CMDBErr %v, NSErr %v", obs.CMDBErr, obs.NSErr)
	}
	golden(t, "read_site_sqlite.json", view{obs.At, obs.NS, obs.Pairs(), obs.Servers(), obs.Rejects})

	for _, p := range obs.Pairs() {
		if p.Status == vocab.Ready && p.Version == p.PackageVersion {
			t.Errorf("healthy pair in question: %+v", p)
		}
		if !p.Package.Valid() || !p.ServerID.Valid() {
			t.Errorf("pair with non-canonical ids: %+v", p)
		}
	}
	if got := obs.PairsOf("PS002"); len(got) != 2 || got[0].Package != pkgA || got[0].Status != vocab.Pending ||
		got[1].Status != vocab.RetryingDownload {
		t.Errorf("upper-case GUIDs and statuses not normalised: %+v", got)
	}
	wantReasons := map[string]string{
		`..\..\Windows\System32`:               "package id: not a GUID",
		"dddddddd-0000-0000-0000-000000000004": "package not in SWDPackage",
	}
	for _, r := range obs.Rejects {
		if want, ok := wantReasons[r.PackageID]; ok && !strings.HasPrefix(r.Reason, want) {
			t.Errorf("reject %q: reason %q, want %q", r.PackageID, r.Reason, want)
		}
	}
	if len(obs.Rejects) != 6 {
		t.Errorf("%d rejects, want 6 (rows: bad GUID, unknown package, no vItem, bad host name; servers: no vItem, bad host name)", len(obs.Rejects))
	}
}

func TestReadSiteVoidsAFailedCMDBRead(t *testing.T) {
	bad := observed.RawRow{ServerID: "x", ServerName: "PS001", PackageID: "y"}
	good := observed.RawRow{ServerID: string(srv1), ServerName: "PS001", PackageID: string(pkgA),
		Status: "Invalid", PackageKnown: true, PackageVersion: "1"}
	boom := errors.New("connection reset by peer")
	tests := []struct {
		name        string
		cmdb        *fakeCMDB
		listServers bool
		want        string
	}{
		{"error after rows", rowsCMDB(boom, good, bad, good), false, "connection reset"},
		{"error before rows", rowsCMDB(boom), false, "connection reset"},
		{"panic", &fakeCMDB{InQuestionFunc: func(context.Context, func(observed.RawRow) error) error {
			panic("driver bug")
		}}, false, "panic: driver bug"},
		{"server list fails", &fakeCMDB{
			InQuestionFunc: rowsCMDB(nil, good).InQuestionFunc,
			ServersFunc:    func(context.Context) ([]observed.RawServer, error) { return nil, boom },
		}, true, "list CMDB servers"},
		{"no CMDB", nil, false, "no CMDB source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ages := &observed.Ages{}
			o := &observed.Observer{NS: nsOK, Ages: ages}
			if tt.cmdb != nil {
				o.CMDB = tt.cmdb
			}
			obs := o.ReadSite(context.Background(), t0, tt.listServers)
			if obs.CMDBErr == nil || !strings.Contains(obs.CMDBErr.Error(), tt.want) {
				t.Errorf("CMDBErr = %v, want it to mention %q", obs.CMDBErr, tt.want)
			}
			if n := len(obs.Pairs()); n != 0 {
				t.Errorf("%d pairs after a failed read; want none", n)
			}
			if len(obs.Rejects) != 0 || len(obs.Servers()) != 0 || obs.ServersListed {
				t.Errorf("partial read kept: rejects %v, servers %v", obs.Rejects, obs.Servers())
			}
			if ages.Len() != 0 {
				t.Error("Ages updated from a failed read")
			}
		})
	}
}

// A read cut short by the pass's context is void even if the driver
// returns no error.
func TestReadSiteCutShort(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	row := observed.RawRow{ServerID: string(srv1), ServerName: "PS001", PackageID: string(pkgA),
		Status: "Invalid", PackageKnown: true}
	c := &fakeCMDB{InQuestionFunc: func(_ context.Context, fn func(observed.RawRow) error) error {
		_ = fn(row)
		cancel()
		_ = fn(row)
		return nil
	}}
	obs := (&observed.Observer{CMDB: c, NS: nsOK}).ReadSite(ctx, t0, false)
	if obs.CMDBErr == nil || len(obs.Pairs()) != 0 {
		t.Errorf("CMDBErr %v, %d pairs; want an error and none", obs.CMDBErr, len(obs.Pairs()))
	}
}

func TestReadSiteNSErrors(t *testing.T) {
	tests := []struct {
		name    string
		setting func(context.Context) (observed.NSState, error)
		want    string
	}{
		{"ok", func(context.Context) (observed.NSState, error) {
			return observed.NSState{Credential: acc, PolicyVersion: 3}, nil
		}, ""},
		{"error", func(context.Context) (observed.NSState, error) {
			return observed.NSState{}, errors.New("winrm: 401")
		}, "read NS setting: winrm: 401"},
		{"unknown mode", func(context.Context) (observed.NSState, error) {
			return observed.NSState{Credential: vocab.Credential{Mode: "kerberos"}}, nil
		}, "unknown credential mode"},
		{"acc without account", func(context.Context) (observed.NSState, error) {
			return observed.NSState{Credential: vocab.Credential{Mode: vocab.ACC}}, nil
		}, "needs an account"},
		{"negative version", func(context.Context) (observed.NSState, error) {
			return observed.NSState{Credential: vocab.Credential{Mode: vocab.Anonymous}, PolicyVersion: -1}, nil
		}, "negative policy version"},
		{"panic", func(context.Context) (observed.NSState, error) { panic("nil map") }, "panic: nil map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &observed.Observer{CMDB: rowsCMDB(nil), NS: &fakeNS{SettingFunc: tt.setting}}
			obs := o.ReadSite(context.Background(), t0, false)
			switch {
			case tt.want == "" && obs.NSErr != nil:
				t.Errorf("NSErr = %v", obs.NSErr)
			case tt.want != "" && (obs.NSErr == nil || !strings.Contains(obs.NSErr.Error(), tt.want)):
				t.Errorf("NSErr = %v, want it to mention %q", obs.NSErr, tt.want)
			}
			if obs.CMDBErr != nil {
				t.Errorf("CMDBErr = %v; an NS failure must not void the CMDB read", obs.CMDBErr)
			}
		})
	}
}

// Pairs keep their first-seen time across passes and start anew when
// their status changes.
func TestReadSiteAges(t *testing.T) {
	clk := clock.NewFake(t0)
	status := "Pending"
	c := &fakeCMDB{InQuestionFunc: func(_ context.Context, fn func(observed.RawRow) error) error {
		return fn(observed.RawRow{ServerID: string(srv1), ServerName: "PS001", PackageID: string(pkgA),
			Status: status, PackageKnown: true, PackageVersion: "1"})
	}}
	o := &observed.Observer{CMDB: c, NS: nsOK, Ages: &observed.Ages{}}
	since := func() time.Time {
		t.Helper()
		ps := o.ReadSite(context.Background(), clk.Now(), false).Pairs()
		if len(ps) != 1 {
			t.Fatalf("pairs: %+v", ps)
		}
		return ps[0].Since
	}
	if s := since(); !s.IsZero() {
		t.Errorf("first pass: Since %v, want zero (unknown)", s)
	}
	first := clk.Now()
	clk.Advance(10 * time.Minute)
	if s := since(); !s.Equal(first) {
		t.Errorf("second pass: Since %v, want %v", s, first)
	}
	clk.Advance(10 * time.Minute)
	status = "Invalid"
	if s := since(); !s.Equal(clk.Now()) {
		t.Errorf("after a status change: Since %v, want %v", s, clk.Now())
	}
}

// A malformed row warns when it first appears and when it goes, not at
// every read; a failed read between says nothing about it; a row that
// comes back warns again.
func TestRejectedRowWarnsOnceWhenItAppearsAndOnceWhenItGoes(t *testing.T) {
	bad := observed.RawRow{ServerID: "x", ServerName: "PS001", PackageID: `..\..\Windows`, Status: "Invalid"}
	good := observed.RawRow{ServerID: string(srv1), ServerName: "PS001", PackageID: string(pkgA),
		Status: "Invalid", Version: "1", PackageVersion: "2", PackageKnown: true}
	// per read: the rows, or a failure
	reads := []struct {
		rows []observed.RawRow
		fail bool
	}{
		{rows: []observed.RawRow{good}},
		{rows: []observed.RawRow{good, bad}}, // appears: warn
		{rows: []observed.RawRow{bad, good}}, // still there
		{fail: true},                         // unknown: nothing
		{rows: []observed.RawRow{good, bad}}, // still there
		{rows: []observed.RawRow{good}},      // gone: warn
		{rows: []observed.RawRow{good}},
		{rows: []observed.RawRow{bad}}, // back: warn
	}
	i := 0
	db := &fakeCMDB{InQuestionFunc: func(_ context.Context, fn func(observed.RawRow) error) error {
		r := reads[i]
		if r.fail {
			return errors.New("connection reset")
		}
		for _, row := range r.rows {
			if err := fn(row); err != nil {
				return err
			}
		}
		return nil
	}}
	var logs bytes.Buffer
	o := &observed.Observer{CMDB: db, NS: nsOK, Ages: &observed.Ages{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	var perRead []string
	for i = range reads {
		logs.Reset()
		obs := o.ReadSite(context.Background(), t0.Add(time.Duration(i)*time.Minute), false)
		line := fmt.Sprintf("%d rejects", len(obs.Rejects))
		for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			switch {
			case strings.Contains(l, "no longer rejected"):
				line += ", warned gone"
			case strings.Contains(l, "CMDB row rejected"):
				line += ", warned"
			}
		}
		perRead = append(perRead, line)
	}
	want := []string{"0 rejects", "1 rejects, warned", "1 rejects", "0 rejects", "1 rejects",
		"0 rejects, warned gone", "0 rejects", "1 rejects, warned"}
	if !slices.Equal(perRead, want) {
		t.Fatalf("per read:\n %q\nwant\n %q", perRead, want)
	}
}
