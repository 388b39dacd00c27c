package planner

import (
	"github.com/itms-tools/reconciler/actions"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

func TestPlanEachCauseAlone(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fx)
		want  []string
	}{
		{"healthy: nothing", func(f *fx) { f.server("PS001") }, nil},
		{"credential not received", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			a := f.agents["PS001"]
			a.Facts.Applied, a.Facts.PolicyVersion = anon, 11
		}, []string{"update_configuration PS001", "resend_status PS001"}},
		{"credential stuck: one reset cycle", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			f.agents["PS001"].Facts.Applied = anon
		}, []string{"set_credential_mode NS #1 anonymous", "update_configuration PS001 #1",
			"set_credential_mode NS #2 acc", "update_configuration PS001 #2", "resend_status PS001"}},
		{"credential stuck with anonymous desired: update is enough", func(f *fx) {
			f.want = anon
			f.obs.NS.Credential = anon
			f.pair("PS001", 1, vocab.Invalid)
			f.agents["PS001"].Facts.Applied = acc
		}, []string{"update_configuration PS001", "resend_status PS001"}},
		{"ACL missing", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			f.agents["PS001"].Facts.FullControl = []string{"SYSTEM", "Administrators"}
		}, []string{"grant_acl PS001", "resend_status PS001"}},
		{"status lost", func(f *fx) { f.pair("PS001", 1, vocab.Invalid) },
			[]string{"resend_status PS001"}},
		{"stale status file", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid).StatusRecorded = vocab.Invalid
		}, []string{"delete_ps_status PS001/P1", "resend_status PS001"}},
		{"stale PS snapshot", func(f *fx) {
			pf := f.pair("PS001", 1, vocab.Invalid)
			pf.SnapshotVersion, pf.StatusRecorded = "6", vocab.Invalid
		}, []string{"delete_ps_snapshot PS001/P1", "delete_ps_status PS001/P1",
			"update_configuration PS001", "resend_status PS001"}},
		{"stale PS snapshot already deleted: restore only", func(f *fx) {
			pf := f.pair("PS001", 1, vocab.Invalid)
			pf.SnapshotPresent, pf.SnapshotVersion, pf.StatusPresent = false, "", false
		}, []string{"update_configuration PS001", "resend_status PS001"}},
		{"stale NS snapshot", func(f *fx) {
			f.must(f.obs.SetSnapshot(snap(1, true, "6")))
			pf := f.pair("PS001", 1, vocab.Invalid)
			pf.SnapshotVersion, pf.StatusRecorded = "6", vocab.Invalid
		}, []string{"delete_ns_snapshot NS/P1", "run_package_refresh NS",
			"delete_ps_snapshot PS001/P1", "delete_ps_status PS001/P1",
			"update_configuration PS001", "resend_status PS001"}},
		{"NS snapshot already deleted: refresh only", func(f *fx) {
			f.must(f.obs.SetSnapshot(snap(1, false, "")))
			pf := f.pair("PS001", 1, vocab.Invalid)
			pf.SnapshotVersion, pf.StatusRecorded = "6", vocab.Invalid
		}, []string{"run_package_refresh NS", "delete_ps_snapshot PS001/P1", "delete_ps_status PS001/P1",
			"update_configuration PS001", "resend_status PS001"}},
		{"NS setting not managed: credentials left alone, the rest repaired", func(f *fx) {
			f.obs.NS, f.obs.NSUnmanaged = observed.NSState{}, true
			f.pair("PS001", 1, vocab.Invalid).StatusRecorded = vocab.Invalid
			a := f.agents["PS001"]
			a.Facts.Applied = vocab.Credential{Mode: "unknown", Account: acc.Account}
			a.Facts.FullControl = []string{"SYSTEM"}
		}, []string{"delete_ps_status PS001/P1", "grant_acl PS001", "resend_status PS001"}},
		{"NS credential drift: every listed server takes it", func(f *fx) {
			f.obs.NS.Credential = anon
			f.must(f.obs.SetServers(server("PS001"), server("PS002")))
			f.server("PS001")
			f.server("PS002").Facts.FullControl = []string{"SYSTEM", "Administrators"}
			f.agents["PS001"].Facts.Applied = anon
			f.agents["PS002"].Facts.Applied = anon
		}, []string{"set_credential_mode NS acc", "update_configuration PS001",
			"update_configuration PS002", "grant_acl PS002"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFx(t)
			tc.setup(f)
			p := f.plan()
			if got := steps(p); !slices.Equal(got, tc.want) {
				t.Errorf("plan:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			checkPlanRules(t, p)
		})
	}
}

func TestPlanCombinations(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fx)
		want  []string
	}{
		{"credential not received + ACL missing on one server", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			a := f.agents["PS001"]
			a.Facts.Applied, a.Facts.PolicyVersion = anon, 11
			a.Facts.FullControl = []string{"SYSTEM", "Administrators"}
		}, []string{"update_configuration PS001", "grant_acl PS001", "resend_status PS001"}},
		{"credential not received + stale PS snapshot share one update", func(f *fx) {
			pf := f.pair("PS001", 1, vocab.Invalid)
			pf.SnapshotVersion, pf.StatusRecorded = "6", vocab.Invalid
			f.pair("PS001", 2, vocab.Invalid)
			a := f.agents["PS001"]
			a.Facts.Applied, a.Facts.PolicyVersion = anon, 11
		}, []string{"delete_ps_snapshot PS001/P1", "delete_ps_status PS001/P1",
			"update_configuration PS001", "resend_status PS001"}},
		{"one stale NS snapshot on five servers", func(f *fx) {
			f.must(f.obs.SetSnapshot(snap(1, true, "6")))
			for _, s := range []string{"PS001", "PS002", "PS003", "PS004", "PS005"} {
				pf := f.pair(s, 1, vocab.Invalid)
				pf.SnapshotVersion, pf.StatusRecorded = "6", vocab.Invalid
			}
		}, fiveServers()},
		{"two stuck servers share one cycle", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			f.pair("PS002", 1, vocab.Invalid)
			f.agents["PS001"].Facts.Applied = anon
			f.agents["PS002"].Facts.Applied = anon
		}, []string{"set_credential_mode NS #1 anonymous", "update_configuration PS001 #1",
			"update_configuration PS002 #1", "set_credential_mode NS #2 acc",
			"update_configuration PS001 #2", "resend_status PS001",
			"update_configuration PS002 #2", "resend_status PS002"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFx(t)
			tc.setup(f)
			p := f.plan()
			if got := steps(p); !slices.Equal(got, tc.want) {
				t.Errorf("plan:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			checkPlanRules(t, p)
		})
	}
}

func fiveServers() []string {
	out := []string{"delete_ns_snapshot NS/P1", "run_package_refresh NS"}
	for _, s := range []string{"PS001", "PS002", "PS003", "PS004", "PS005"} {
		out = append(out, "delete_ps_snapshot "+s+"/P1", "delete_ps_status "+s+"/P1",
			"update_configuration "+s, "resend_status "+s)
	}
	return out
}

func TestPlanLeavesAlone(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fx)
		note  string
	}{
		{"pending within grace", func(f *fx) {
			f.pair("PS001", 1, vocab.Pending)
		}, "Pending within the pending grace (30m0s): left alone"},
		{"pending of unknown age", func(f *fx) {
			f.pair("PS001", 1, vocab.DownloadPending)
		}, "Download Pending within the pending grace (30m0s): left alone"},
		{"download in progress past grace", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid).Local = vocab.LocalDownloading
		}, "download in progress on the package server: left alone"},
		{"unreachable server", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			f.agents["PS001"].Reachable = false
			f.agents["PS001"].Error = "connection refused"
		}, "not observed: connection refused: nothing planned for it"},
		{"held server", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			f.held = map[vocab.Host]string{"PS001": "backoff until 10:05"}
		}, "held back: backoff until 10:05"},
		{"NS snapshot unknown: nothing destructive", func(f *fx) {
			pf := f.pair("PS009", 9, vocab.Invalid)
			pf.SnapshotVersion = "6"
		}, "NS snapshot not observed: nothing destructive planned"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFx(t)
			tc.setup(f)
			p := f.plan()
			if !p.Empty() {
				t.Fatalf("planned %v", steps(p))
			}
			if len(p.Notes) != 1 || p.Notes[0].Message != tc.note {
				t.Fatalf("notes = %+v, want %q", p.Notes, tc.note)
			}
		})
	}
}

func TestPlanPendingPastGraceIsActedOn(t *testing.T) {
	f := newFx(t)
	f.pair("PS001", 1, vocab.Pending)
	if err := f.obs.AddPair(pairSince("PS001", 1, vocab.Pending, now.Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	if got := steps(f.plan()); !slices.Equal(got, []string{"resend_status PS001"}) {
		t.Fatalf("plan = %v", got)
	}
}

func TestPlanNothingFromBrokenReads(t *testing.T) {
	for _, name := range []string{"cmdb", "ns"} {
		t.Run(name, func(t *testing.T) {
			f := newFx(t)
			f.pair("PS001", 1, vocab.Invalid)
			if name == "cmdb" {
				f.obs.CMDBErr = errString("query timed out")
			} else {
				f.obs.NSErr = errString("NS unreachable")
			}
			p := f.plan()
			if !p.Empty() || len(p.Notes) != 1 || p.Notes[0].Kind != "nothing_planned" {
				t.Fatalf("plan = %v notes %+v", steps(p), p.Notes)
			}
		})
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	build := func() actions.Plan {
		f := newFx(t)
		f.must(f.obs.SetSnapshot(snap(2, true, "6")))
		for _, s := range []string{"PS003", "PS001", "PS002"} {
			pf := f.pair(s, 2, vocab.Invalid)
			pf.SnapshotVersion = "6"
			f.pair(s, 1, vocab.Invalid)
		}
		f.agents["PS002"].Facts.Applied = anon
		return f.plan()
	}
	a, b := build(), build()
	if a.ID != b.ID || !slices.Equal(steps(a), steps(b)) {
		t.Fatalf("plans differ: %s %v / %s %v", a.ID, steps(a), b.ID, steps(b))
	}
}
