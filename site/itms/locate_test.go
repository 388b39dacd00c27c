package itms

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

func TestBuildLocations(t *testing.T) {
	for _, tc := range []struct {
		name             string
		delivery, status string
		reply            locateReply
		wantDelivery     []string
		wantStatus       []string
		discarded        int
	}{
		{"no agent data: the KB's folders", "", "", locateReply{},
			[]string{`C:\ProgramData\Symantec\Symantec Agent\Package Delivery`},
			[]string{`C:\ProgramData\Symantec\Symantec Agent\Package Server Agent\PackageStatus`,
				`C:\ProgramData\Symantec\Symantec Agent\Package Server Agent\Package Status`}, 0},
		{"custom primary location first, then the install folder", "", "",
			locateReply{InstallDir: `C:\Program Files\Altiris\Altiris Agent\`, Locations: []string{"_default_", `Q:\Packages`, `..\x`, `\\nas\pkg`}},
			[]string{`Q:\Packages`, `Q:\Packages\Package Delivery`, `C:\Program Files\Altiris\Altiris Agent\Package Delivery`,
				`C:\ProgramData\Symantec\Symantec Agent\Package Delivery`},
			[]string{`C:\Program Files\Altiris\Altiris Agent\Package Server Agent\Package Status`,
				`C:\Program Files\Altiris\Altiris Agent\Package Server Agent\PackageStatus`,
				`C:\ProgramData\Symantec\Symantec Agent\Package Server Agent\PackageStatus`,
				`C:\ProgramData\Symantec\Symantec Agent\Package Server Agent\Package Status`}, 4},
		{"overrides win", `E:\PD`, `E:\PS`, locateReply{InstallDir: `D:\Agent`},
			[]string{`E:\PD`}, []string{`E:\PS`}, 0},
		{"the install folder under Windows is refused", "", `E:\PS`, locateReply{InstallDir: `C:\Windows\Agent`},
			[]string{`C:\ProgramData\Symantec\Symantec Agent\Package Delivery`}, []string{`E:\PS`}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := buildLocations(tc.delivery, tc.status, tc.reply)
			if !slices.Equal(got.delivery, tc.wantDelivery) || !slices.Equal(got.status, tc.wantStatus) {
				t.Errorf("delivery %q\nstatus %q", got.delivery, got.status)
			}
			if len(got.notes) != tc.discarded {
				t.Errorf("notes %q, want %d", got.notes, tc.discarded)
			}
		})
	}
}

// TestLocationsExpire: a server's folders are located again after an
// hour, and actions then wait for a new observation.
func TestLocationsExpire(t *testing.T) {
	now := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	f := newFakeWinRM(t, okAnswer(t))
	site := openAgainst(t, f, newTestEnv(), func(o *Options) { o.now = func() time.Time { return now } })
	if _, err := site.Agent(context.Background(), testHost, []vocab.GUID{pkgReady}); err != nil {
		t.Fatal(err)
	}
	if _, err := site.existing(testHost); err != nil {
		t.Fatalf("folders not remembered: %v", err)
	}
	now = now.Add(locateTTL + time.Second)
	if _, err := site.existing(testHost); err == nil {
		t.Fatal("expired folders still used")
	}
	if _, err := site.Agent(context.Background(), testHost, []vocab.GUID{pkgReady}); err != nil {
		t.Fatal(err)
	}
	var locates int
	for _, s := range f.sent() {
		if s.Op == string(opLocateAgent) {
			locates++
		}
	}
	if locates != 2 {
		t.Errorf("%d locate_agent runs, want 2", locates)
	}
}

// TestWaitsClampedToTheRun: waits longer than one WinRM run allows are
// shortened, and a start-up note says so.
func TestWaitsClampedToTheRun(t *testing.T) {
	cfg := testConfig(5986)
	cfg.WinRM.Timeout = 30 * time.Second
	s, err := Open(context.Background(), cfg, newTestEnv().options())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.cfg.Agent.UpdateWait != 20*time.Second || s.cfg.NS.RefreshWait != 20*time.Second {
		t.Errorf("waits %s, %s", s.cfg.Agent.UpdateWait, s.cfg.NS.RefreshWait)
	}
	notes := strings.Join(s.StartupNotes(), "\n")
	for _, want := range []string{"agent update_wait 40s shortened to 20s", "not observable", "grant_acl gives full_control"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	cfg.Agent.GrantRights = "everything"
	if _, err := Open(context.Background(), cfg, newTestEnv().options()); err == nil {
		t.Error("unknown grant_rights accepted")
	}
}
