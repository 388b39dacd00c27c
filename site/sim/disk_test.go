package sim

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

func demoOnDisk(t *testing.T) (stores, *scenario.Scenario) {
	t.Helper()
	sc, err := scenario.Builtin("demo")
	if err != nil {
		t.Fatal(err)
	}
	return newStores(t, sc), sc
}

// TestDiskLayout checks the files and tables of a new demo site.
func TestDiskLayout(t *testing.T) {
	b, sc := demoOnDisk(t)
	files := tree(t, b.dir)
	want := 4 + len(b.mem.Packages()) + sc.Servers*(2+2*sc.Packages) // site, cmdb, lock, settings; NS; per server
	if len(files) != want-1 {                                        // tree leaves cmdb.sqlite out
		t.Errorf("%d files, want %d", len(files), want-1)
	}
	stale := faultOf(t, b.mem, scenario.StalePSSnapshot)
	h, g := string(stale.Servers[0]), string(stale.Packages[0])
	refused := string(faultOf(t, b.mem, scenario.CredentialNotReceived).Servers[0])
	var out strings.Builder
	for _, rel := range []string{
		layout.SiteFile, layout.NSSettingsFile, layout.NSSnapshot(g), layout.AgentJSON(refused), layout.AgentLog(refused),
		layout.Snapshot(h, g), layout.Status(h, g), layout.AgentJSON(h),
	} {
		data, err := os.ReadFile(filepath.Join(b.dir, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString("== " + rel + "\n" + string(data))
	}
	golden(t, "demo_disk.golden", out.String())
}

func TestDiskCMDB(t *testing.T) {
	b, sc := demoOnDisk(t)
	db, err := sql.Open("sqlite", filepath.Join(b.dir, layout.CMDBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode %q %v", mode, err)
	}
	queries := []struct {
		q    string
		want int
	}{
		{`SELECT COUNT(*) FROM vItem`, sc.Servers},
		{`SELECT COUNT(*) FROM SWDPackage WHERE [_Latest] = 1`, sc.Packages},
		{`SELECT COUNT(*) FROM SWDPackageServer`, sc.Servers*sc.Packages + 1},
		{`SELECT COUNT(*) FROM vItem WHERE [Guid] = UPPER([Guid]) AND LENGTH([Guid]) = 36`, sc.Servers},
		{`SELECT COUNT(*) FROM SWDPackageServer WHERE [PkgSvrId] = UPPER([PkgSvrId]) AND [PackageId] = UPPER([PackageId])`, sc.Servers*sc.Packages + 1},
		{`SELECT COUNT(*) FROM SWDPackageServer WHERE [PackageId] = '..\..\Windows\System32' AND [Status] = 'Invalid'`, 1},
		{`SELECT COUNT(*) FROM SWDPackageServer WHERE [Error] LIKE '%trust relationship%(1789)%'`, 3 * sc.Packages},
		{`SELECT COUNT(*) FROM SWDPackageServer WHERE [Status] = 'Pending'`, 3},
	}
	for _, q := range queries {
		var n int
		if err := db.QueryRow(q.q).Scan(&n); err != nil || n != q.want {
			t.Errorf("%s: %d %v, want %d", q.q, n, err, q.want)
		}
	}
	v := sameView(t, "demo", b)
	if len(v.Rows) != 129 || v.NotReady != 128 {
		t.Errorf("rows in question %d (want 128 and the bad row), not ready %d", len(v.Rows), v.NotReady)
	}
}

func TestDiskReopen(t *testing.T) {
	b, _ := demoOnDisk(t)
	steps := []actions.Action{act(actions.ResendStatus, string(faultOf(t, b.mem, scenario.StatusLost).Servers[0]), ""), grant("PS008", acct)}
	for _, a := range steps {
		for _, st := range b.each() {
			if err := st.s.Apply(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	b.clk.Advance(30 * time.Second)
	before := sameView(t, "before close", b)
	if err := b.disk.Close(); err != nil {
		t.Fatal(err)
	}
	other, _ := scenario.Builtin("healthy")
	reopened, err := Open(ctx, b.dir, other, 5, Options{Clock: b.clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reopened.Close() })
	wantNote := `site ` + b.dir + ` was created from scenario "demo" seed 179719; scenario "healthy" seed 5 ignored`
	if notes := reopened.Notes(); len(notes) != 1 || notes[0] != wantNote {
		t.Errorf("notes %q", notes)
	}
	after := observe(t, reopened)
	if want := []Sample{{b.clk.Now(), before.NotReady}}; !reflect.DeepEqual(after.Timeline, want) {
		t.Errorf("timeline after reopen %v, want %v", after.Timeline, want)
	}
	after.Timeline = before.Timeline
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("reopened site differs:\n%s", diffJSON(before, after))
	}
	b.clk.Advance(5 * time.Minute) // the download ends, the CMDB comes back, PS001 answers again
	vm, vd := observe(t, b.mem), observe(t, reopened)
	want := []Sample{{t0.Add(30 * time.Second), 98}, {t0.Add(2 * time.Minute), 95}}
	if !reflect.DeepEqual(vd.Timeline, want) {
		t.Errorf("timeline %v, want %v", vd.Timeline, want)
	}
	vm.Timeline, vd.Timeline = nil, nil
	if !reflect.DeepEqual(vm, vd) {
		t.Fatalf("after the demo's events:\n%s", diffJSON(vm, vd))
	}
}

func TestDiskOpenRefusesOtherFolders(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	sc := small(t, "")
	if _, err := Open(ctx, dir, sc, 1, Options{Clock: newClock()}); err == nil || !strings.Contains(err.Error(), "not a simulated site") {
		t.Fatalf("error %v", err)
	}
	if _, err := Open(ctx, t.TempDir(), nil, 1, Options{Clock: newClock()}); err == nil {
		t.Fatal("created a site without a scenario")
	}
	locked := t.TempDir()
	if err := os.WriteFile(filepath.Join(locked, "leader.lock"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, locked, sc, 1, Options{Clock: newClock()})
	if err != nil {
		t.Fatalf("a folder with only a lock file: %v", err)
	}
	s.Close()
	big := mustParse(t, `{"servers": 1000, "packages": 1000, "credential": {"mode": "anonymous"}}`)
	if _, err := Open(ctx, t.TempDir(), big, 1, Options{Clock: newClock()}); err == nil || !strings.Contains(err.Error(), "use the memory site") {
		t.Fatalf("error %v", err)
	}
}

// TestDiskShared: a daemon and a CLI open the same folder; each sees the
// other's changes, and concurrent actions on both stay consistent.
func TestDiskShared(t *testing.T) {
	sc := small(t, `{"kind": "status_lost", "servers": ["PS001", "PS002", "PS003"]}`)
	clk := newClock()
	dir := t.TempDir()
	daemon, err := Open(ctx, dir, sc, sc.Seed, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer daemon.Close()
	cli, err := Open(ctx, dir, sc, sc.Seed, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	var wg sync.WaitGroup
	for i, s := range []*Site{daemon, cli, daemon} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if err := s.Apply(ctx, act(actions.ResendStatus, scenario.ServerName(i, 3), "")); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if d, c := daemon.NotReady(), cli.NotReady(); d != 0 || c != 0 {
		t.Fatalf("not ready: daemon %d, cli %d", d, c)
	}
	if got := cli.Applied()[actions.ResendStatus]; got != 9 {
		t.Fatalf("applied %d, want 9", got)
	}
}

// TestDiskUntrustedFiles: files edited by hand are refused with an error
// naming the file, and an observation reads only what it is asked for.
func TestDiskUntrustedFiles(t *testing.T) {
	b := newStores(t, small(t, ""))
	gs := b.disk.Packages()
	edit := func(rel, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(b.dir, filepath.FromSlash(rel)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit(layout.Snapshot("PS001", string(gs[0])), `<Snapshot PackageId="{`+string(gs[1])+`}" Version="3"/>`)
	edit(layout.Status("PS001", string(gs[2])), `<PackageStatus PackageId="{`+string(gs[2])+`}" Status="Ready" Version="3; DROP TABLE"/>`)
	edit(layout.NSSnapshot(string(gs[3])), `<Snapshot PackageId="{`+string(gs[3])+`}" Version="3"><x/></Snapshot>`)
	edit(layout.AgentLog("PS002"), "<event date='x' severity='2'><![CDATA[fine]]></event>\nrm -rf /\n")
	edit(layout.AgentJSON("PS003"), `{"applied": {"mode": "acc", "account": "CORP\\svc"}, "policy_version": 1, "full_control": [], "downloading": [], "password": "x"}`)
	tests := []struct {
		name string
		call func() error
		want string // "" for success
	}{
		{"another package's snapshot is not read", func() error { _, err := b.disk.Agent(ctx, "PS001", gs[1:2]); return err }, ""},
		{"snapshot of another package", func() error { _, err := b.disk.Agent(ctx, "PS001", gs[:1]); return err },
			layout.Snapshot("PS001", string(gs[0])) + ": PackageId " + string(gs[1]) + " is not the folder's " + string(gs[0])},
		{"status with a bad version", func() error { _, err := b.disk.Agent(ctx, "PS001", gs[2:3]); return err },
			`PackageStatus.xml: Version "3; DROP TABLE" is not a decimal number`},
		{"NS snapshot with a child", func() error { _, err := b.disk.Snapshots(ctx, gs[3:]); return err }, `.xml: unexpected element <x>`},
		{"other NS snapshots are not read", func() error { _, err := b.disk.Snapshots(ctx, gs[:3]); return err }, ""},
		{"agent.log garbage", func() error { _, err := b.disk.Agent(ctx, "PS002", nil); return err },
			layout.AgentLog("PS002") + ": line 1 from the end: not an <event> line"},
		{"agent.json with a password", func() error { _, err := b.disk.Agent(ctx, "PS003", nil); return err },
			layout.AgentJSON("PS003") + `: json: unknown field "password"`},
	}
	for _, tc := range tests {
		err := tc.call()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if n := b.disk.UnsafePathsTouched(); n != 0 {
		t.Errorf("unsafe paths %d", n)
	}
}

// TestConcurrentApply: actions on different servers may arrive at once.
func TestConcurrentApply(t *testing.T) {
	sc := mustParse(t, `{"seed": 2, "servers": 8, "packages": 20, "credential": {"mode": "appid", "account": "CORP\\app"},
		"faults": [{"kind": "acl_missing", "count": 8}]}`)
	b := newStores(t, sc)
	for _, st := range b.each() {
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h := scenario.ServerName(i, 8)
				for _, a := range []actions.Action{grant(h, `CORP\app`), act(actions.ResendStatus, h, "")} {
					if err := st.s.Apply(ctx, a); err != nil {
						t.Error(err)
					}
				}
				if _, err := st.s.Agent(ctx, vocab.Host(h), st.s.Packages()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	v := sameView(t, "end", b)
	if v.NotReady != 0 || v.Applied[actions.GrantACL] != 8 || v.Applied[actions.ResendStatus] != 8 {
		t.Fatalf("not ready %d, applied %v", v.NotReady, v.Applied)
	}
}

// TestDiskQueueSurvivesReopen: reports queued while the CMDB is down are
// kept in site.json and delivered by whichever process sees it come back.
func TestDiskQueueSurvivesReopen(t *testing.T) {
	sc := small(t, `{"kind": "status_lost", "servers": ["PS003"]}, {"kind": "cmdb_down", "from": "1m", "for": "9m"}`)
	clk := newClock()
	dir := t.TempDir()
	s, err := Open(ctx, dir, sc, sc.Seed, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(2 * time.Minute))
	if err := s.Apply(ctx, act(actions.ResendStatus, "PS003", "")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, err := os.ReadFile(filepath.Join(dir, layout.SiteFile))
	if err != nil || !strings.Contains(string(data), `"server": "PS003"`) {
		t.Fatalf("site.json holds no queued report: %v\n%s", err, data)
	}
	clk.Set(t0.Add(5 * time.Minute))
	s, err = Open(ctx, dir, sc, sc.Seed, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := s.NotReady(); n != 4 {
		t.Fatalf("not ready %d while down", n)
	}
	clk.Set(t0.Add(11 * time.Minute))
	if n, tl := s.NotReady(), s.Timeline(); n != 0 || !reflect.DeepEqual(tl, []Sample{{t0.Add(5 * time.Minute), 4}, {t0.Add(10 * time.Minute), 0}}) {
		t.Fatalf("not ready %d, timeline %v", n, tl)
	}
}

// TestFaultsOfTheDemo lists the demo's scripted faults with the servers
// and times its seed resolved to, and Created tells a new site from a
// reopened one.
func TestFaultsOfTheDemo(t *testing.T) {
	sc, err := scenario.Builtin("demo")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	clk := clock.NewFake(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	s, err := Open(context.Background(), dir, sc, 1, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	faults := s.FaultLines()
	created := s.Created()
	s.Close()
	if !created || len(faults) != len(sc.Faults) {
		t.Fatalf("created %v, %d faults, want %d", created, len(faults), len(sc.Faults))
	}
	want := map[string]bool{"cmdb_down from 1m to 2m: every CMDB query fails (status then shows the last known state)": false}
	for _, f := range faults {
		if _, ok := want[f]; ok {
			want[f] = true
		}
		if strings.HasPrefix(f, "unreachable on PS") && !strings.Contains(f, " from 0s to 3m") {
			t.Errorf("unreachable: %q", f)
		}
	}
	for f, seen := range want {
		if !seen {
			t.Errorf("no fault line %q in %q", f, faults)
		}
	}
	s, err = Open(context.Background(), dir, sc, 1, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Created() {
		t.Error("a reopened site says it was created")
	}
}
