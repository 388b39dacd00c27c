package sim

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

const acct = `CORP\svc-itms-acc`

// small is a 3 x 4 acc site with the given faults (a JSON list's body).
func small(t testing.TB, faults string) *scenario.Scenario {
	return mustParse(t, `{"name": "small", "seed": 11, "servers": 3, "packages": 4,
		"credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "faults": [`+faults+`]}`)
}

// files returns what an agent observation says about one package.
func files(t testing.TB, v view, server string, g vocab.GUID) observed.PackageFiles {
	t.Helper()
	for _, p := range agentOf(t, v, server).Facts.Packages {
		if p.Package == g {
			return p
		}
	}
	t.Fatalf("%s has no package %s", server, g)
	return observed.PackageFiles{}
}

// effectCase is one DESIGN §6 effect: a site, actions that must succeed,
// and what the site shows before and after.
type effectCase struct {
	name   string
	faults string
	steps  func(t testing.TB, s *Site) []actions.Action
	check  func(t *testing.T, s *Site, before, after view)
}

func TestEffects(t *testing.T) {
	for _, tc := range effectCases() {
		t.Run(tc.name, func(t *testing.T) {
			b := newStores(t, small(t, tc.faults))
			before := sameView(t, "before", b)
			for _, a := range tc.steps(t, b.mem) {
				for _, st := range b.each() {
					if err := st.s.Apply(ctx, a); err != nil {
						t.Fatalf("%s: %v", st.name, err)
					}
				}
			}
			after := sameView(t, "after", b)
			tc.check(t, b.mem, before, after)
		})
	}
}

func effectCases() []effectCase {
	return slices.Concat(credentialCases(), reportCases(), snapshotCases())
}

func credentialCases() []effectCase {
	return []effectCase{{
		name: "set_credential_mode sets the NS and bumps the policy version",
		steps: func(testing.TB, *Site) []actions.Action {
			return []actions.Action{setMode(vocab.AppID, `CORP\svc-app`)}
		},
		check: func(t *testing.T, _ *Site, before, after view) {
			want := observed.NSState{Credential: vocab.Credential{Mode: vocab.AppID, Account: `CORP\svc-app`}, PolicyVersion: before.NS.PolicyVersion + 1}
			if after.NS != want {
				t.Fatalf("NS %+v, want %+v", after.NS, want)
			}
		},
	}, {
		name:  "set_credential_mode anonymous drops the account",
		steps: func(testing.TB, *Site) []actions.Action { return []actions.Action{setMode(vocab.Anonymous, acct)} },
		check: func(t *testing.T, _ *Site, before, after view) {
			if after.NS.Credential != (vocab.Credential{Mode: vocab.Anonymous}) {
				t.Fatalf("NS %+v", after.NS)
			}
		},
	}, {
		name:   "update_configuration takes the policy and the credential",
		faults: `{"kind": "credential_not_received", "servers": ["PS001"]}`,
		steps: func(testing.TB, *Site) []actions.Action {
			return []actions.Action{act(actions.UpdateConfiguration, "PS001", "")}
		},
		check: func(t *testing.T, _ *Site, before, after view) {
			b, a := agentOf(t, before, "PS001").Facts, agentOf(t, after, "PS001").Facts
			if b.PolicyVersion != before.NS.PolicyVersion-1 || b.Applied.Mode != vocab.Anonymous {
				t.Fatalf("before: %+v", b)
			}
			if a.PolicyVersion != after.NS.PolicyVersion || !a.Applied.Equal(after.NS.Credential) {
				t.Fatalf("after: %+v", a)
			}
			if len(rowsOf(after, "PS001")) != 4 {
				t.Fatal("rows changed without a report")
			}
		},
	}, {
		name:   "a stuck PS keeps its credential on update_configuration",
		faults: `{"kind": "credential_stuck", "servers": ["PS001"]}`,
		steps: func(testing.TB, *Site) []actions.Action {
			return []actions.Action{act(actions.UpdateConfiguration, "PS001", "")}
		},
		check: func(t *testing.T, s *Site, _, after view) {
			a := agentOf(t, after, "PS001")
			if a.Facts.Applied.Mode != vocab.Anonymous || !a.Truth.Stuck || a.Facts.PolicyVersion != after.NS.PolicyVersion {
				t.Fatalf("after: %+v", a)
			}
		},
	}, {
		name:   "the credential reset cycle frees a stuck PS",
		faults: `{"kind": "credential_stuck", "servers": ["PS001"]}`,
		steps: func(testing.TB, *Site) []actions.Action {
			return []actions.Action{
				setMode(vocab.Anonymous, ""), act(actions.UpdateConfiguration, "PS001", ""),
				setMode(vocab.ACC, acct), act(actions.UpdateConfiguration, "PS001", ""),
				act(actions.ResendStatus, "PS001", ""),
			}
		},
		check: func(t *testing.T, _ *Site, before, after view) {
			a := agentOf(t, after, "PS001")
			if a.Truth.Stuck || a.Facts.Applied != (vocab.Credential{Mode: vocab.ACC, Account: acct}) {
				t.Fatalf("after: %+v", a)
			}
			if after.NotReady != 0 || after.NS.PolicyVersion != before.NS.PolicyVersion+2 {
				t.Fatalf("not ready %d, policy %d", after.NotReady, after.NS.PolicyVersion)
			}
		},
	}, {
		name:   "grant_acl adds the account once",
		faults: `{"kind": "acl_missing", "servers": ["PS001"]}`,
		steps: func(testing.TB, *Site) []actions.Action {
			return []actions.Action{grant("PS001", acct), grant("PS001", strings.ToUpper(acct))}
		},
		check: func(t *testing.T, _ *Site, before, after view) {
			if got := agentOf(t, before, "PS001").Facts.FullControl; !reflect.DeepEqual(got, []string{"SYSTEM", "Administrators"}) {
				t.Fatalf("before: %v", got)
			}
			if got := agentOf(t, after, "PS001").Facts.FullControl; !reflect.DeepEqual(got, []string{"SYSTEM", "Administrators", acct}) {
				t.Fatalf("after: %v", got)
			}
		},
	}}
}

func reportCases() []effectCase {
	refused := func(t *testing.T, s *Site, before, after view) {
		rows := rowsOf(after, "PS001")
		if len(rows) != 4 {
			t.Fatalf("rows in question %d, want 4", len(rows))
		}
		for g, r := range rows {
			ver, _ := s.PackageVersion(vocab.GUID(g))
			if r.Status != "Invalid" || r.Version != ver {
				t.Fatalf("row %+v", r)
			}
			if f := files(t, after, "PS001", vocab.GUID(g)); f.StatusRecorded != vocab.Ready {
				t.Fatalf("PackageStatus.xml changed: %+v", f)
			}
		}
		if got := agentOf(t, after, "PS001").Facts.LogSignatures; !reflect.DeepEqual(got, []string{world.SigAccessDenied, world.SigTrust}) {
			t.Fatalf("signatures %v", got)
		}
	}
	return []effectCase{{
		name:   "status_report_fails: every failing package of the server reports Invalid",
		faults: `{"kind": "status_report_fails", "servers": ["PS001"], "packages": 2}`,
		steps: func(testing.TB, *Site) []actions.Action {
			return []actions.Action{act(actions.ResendStatus, "PS001", "")}
		},
		check: func(t *testing.T, _ *Site, before, after view) {
			for _, v := range []view{before, after} {
				rows := rowsOf(v, "PS001")
				if len(rows) != 2 || v.NotReady != 2 {
					t.Fatalf("PS001 rows in question %v (%d not Ready), want both failing packages", rows, v.NotReady)
				}
				for _, r := range rows {
					if r.Status != "Invalid" {
						t.Fatalf("row %+v, want Invalid", r)
					}
				}
			}
		},
	}, {
		name:   "credential_locked: every report is refused and agent.log shows the lockout, not 1789",
		faults: `{"kind": "credential_locked", "servers": ["PS001"]}`,
		steps: func(testing.TB, *Site) []actions.Action {
			return []actions.Action{act(actions.ResendStatus, "PS001", "")}
		},
		check: func(t *testing.T, _ *Site, _, after view) {
			if rows := rowsOf(after, "PS001"); len(rows) != 4 {
				t.Fatalf("rows in question %d, want 4", len(rows))
			}
			a := agentOf(t, after, "PS001").Facts
			if !reflect.DeepEqual(a.LogSignatures, []string{world.SigAccessDenied, world.SigLocked}) || a.Evidence.TrustErrors != 0 {
				t.Fatalf("signatures %v, trust errors %d: want the lockout without 1789", a.LogSignatures, a.Evidence.TrustErrors)
			}
		},
	}, {
		name:   "resend_status with a credential not received is refused",
		faults: `{"kind": "credential_not_received", "servers": ["PS001"]}`,
		steps: func(testing.TB, *Site) []actions.Action {
			return []actions.Action{act(actions.ResendStatus, "PS001", "")}
		},
		check: refused,
	}, {
		name:   "resend_status without Full Control is refused",
		faults: `{"kind": "acl_missing", "servers": ["PS001"]}`,
		steps: func(testing.TB, *Site) []actions.Action {
			return []actions.Action{act(actions.ResendStatus, "PS001", "")}
		},
		check: refused,
	}, {
		name:   "grant_acl then resend_status makes every row Ready",
		faults: `{"kind": "acl_missing", "servers": ["PS001"]}`,
		steps: func(testing.TB, *Site) []actions.Action {
			return []actions.Action{grant("PS001", acct), act(actions.ResendStatus, "PS001", "")}
		},
		check: func(t *testing.T, _ *Site, before, after view) {
			if before.NotReady != 4 || after.NotReady != 0 {
				t.Fatalf("not ready %d → %d", before.NotReady, after.NotReady)
			}
			if got := agentOf(t, after, "PS001").Facts.LogSignatures; len(got) != 0 {
				t.Fatalf("signatures after a good report: %v", got)
			}
		},
	}, {
		name:   "resend_status repairs a lost status",
		faults: `{"kind": "status_lost", "servers": ["PS002"]}`,
		steps: func(testing.TB, *Site) []actions.Action {
			return []actions.Action{act(actions.ResendStatus, "PS002", "")}
		},
		check: func(t *testing.T, _ *Site, before, after view) {
			if len(rowsOf(before, "PS002")) != 4 || after.NotReady != 0 || len(after.Rows) != 0 {
				t.Fatalf("before %d rows, after %+v", len(rowsOf(before, "PS002")), after.Rows)
			}
		},
	}, {
		name:   "a stale status file keeps the row Invalid until it is deleted",
		faults: `{"kind": "stale_status_file", "servers": ["PS001"]}`,
		steps: func(t testing.TB, s *Site) []actions.Action {
			g := faultOf(t, s, scenario.StaleStatusFile).Packages[0]
			return []actions.Action{
				act(actions.ResendStatus, "PS001", ""),
				act(actions.DeletePSStatus, "PS001", g), act(actions.ResendStatus, "PS001", ""),
			}
		},
		check: func(t *testing.T, s *Site, before, after view) {
			g := faultOf(t, s, scenario.StaleStatusFile).Packages[0]
			f := files(t, before, "PS001", g)
			ver, _ := s.PackageVersion(g)
			if f.StatusRecorded != vocab.Invalid || f.SnapshotVersion != ver || before.NotReady != 1 {
				t.Fatalf("before: %+v, not ready %d", f, before.NotReady)
			}
			if f := files(t, after, "PS001", g); f.StatusRecorded != vocab.Ready || after.NotReady != 0 {
				t.Fatalf("after: %+v, not ready %d", f, after.NotReady)
			}
		},
	}, {
		name:   "a download in progress reports Pending",
		faults: `{"kind": "downloading", "servers": ["PS003"], "packages": 2, "for": "1h"}`,
		steps: func(testing.TB, *Site) []actions.Action {
			return []actions.Action{act(actions.ResendStatus, "PS003", "")}
		},
		check: func(t *testing.T, s *Site, before, after view) {
			f := faultOf(t, s, scenario.Downloading)
			for _, v := range []view{before, after} {
				rows := rowsOf(v, "PS003")
				for _, g := range f.Packages {
					ver, _ := s.PackageVersion(g)
					if r := rows[string(g)]; r.Status != "Pending" || r.Version != ver {
						t.Fatalf("row %+v", r)
					}
					if pf := files(t, v, "PS003", g); pf.Local != vocab.LocalDownloading || pf.StatusRecorded != vocab.Pending {
						t.Fatalf("files %+v", pf)
					}
				}
			}
		},
	}}
}

func snapshotCases() []effectCase {
	return []effectCase{{
		name: "delete_ns_snapshot then run_package_refresh",
		steps: func(t testing.TB, s *Site) []actions.Action {
			g := s.Packages()[1]
			return []actions.Action{act(actions.DeleteNSSnapshot, "", g)}
		},
		check: func(t *testing.T, s *Site, _, after view) {
			g := s.Packages()[1]
			if after.Snapshots[1] != (observed.Snapshot{Package: g}) {
				t.Fatalf("after delete: %+v", after.Snapshots[1])
			}
			if err := s.Apply(ctx, act(actions.RunPackageRefresh, "", "")); err != nil {
				t.Fatal(err)
			}
			ver, _ := s.PackageVersion(g)
			if v := observe(t, s); v.Snapshots[1] != (observed.Snapshot{Package: g, Present: true, Version: ver}) {
				t.Fatalf("after refresh: %+v", v.Snapshots[1])
			}
		},
	}, {
		name: "update_configuration fetches an absent PS snapshot from the NS",
		steps: func(t testing.TB, s *Site) []actions.Action {
			g := s.Packages()[0]
			return []actions.Action{act(actions.DeletePSSnapshot, "PS002", g), act(actions.UpdateConfiguration, "PS002", "")}
		},
		check: func(t *testing.T, s *Site, _, after view) {
			g := s.Packages()[0]
			ver, _ := s.PackageVersion(g)
			if f := files(t, after, "PS002", g); !f.SnapshotPresent || f.SnapshotVersion != ver {
				t.Fatalf("after: %+v", f)
			}
		},
	}, {
		name: "update_configuration cannot fetch a snapshot the NS lacks",
		steps: func(t testing.TB, s *Site) []actions.Action {
			g := s.Packages()[0]
			return []actions.Action{act(actions.DeleteNSSnapshot, "", g), act(actions.DeletePSSnapshot, "PS002", g),
				act(actions.UpdateConfiguration, "PS002", "")}
		},
		check: func(t *testing.T, s *Site, _, after view) {
			if f := files(t, after, "PS002", s.Packages()[0]); f.SnapshotPresent {
				t.Fatalf("after: %+v", f)
			}
		},
	}, {
		name: "a report without a snapshot is Invalid at the old row version",
		steps: func(t testing.TB, s *Site) []actions.Action {
			return []actions.Action{act(actions.DeletePSSnapshot, "PS002", s.Packages()[3]), act(actions.ResendStatus, "PS002", "")}
		},
		check: func(t *testing.T, s *Site, _, after view) {
			g := s.Packages()[3]
			ver, _ := s.PackageVersion(g)
			r := rowsOf(after, "PS002")[string(g)]
			f := files(t, after, "PS002", g)
			if r.Status != "Invalid" || r.Version != ver || f.StatusRecorded != vocab.Invalid || f.SnapshotPresent {
				t.Fatalf("row %+v files %+v", r, f)
			}
		},
	}, {
		name:   "the stale PS snapshot remedy",
		faults: `{"kind": "stale_ps_snapshot", "servers": ["PS003"]}`,
		steps: func(t testing.TB, s *Site) []actions.Action {
			g := faultOf(t, s, scenario.StalePSSnapshot).Packages[0]
			return []actions.Action{act(actions.DeletePSSnapshot, "PS003", g), act(actions.DeletePSStatus, "PS003", g),
				act(actions.UpdateConfiguration, "PS003", ""), act(actions.ResendStatus, "PS003", "")}
		},
		check: staleRemedied(scenario.StalePSSnapshot, "PS003"),
	}, {
		name:   "the stale NS snapshot remedy",
		faults: `{"kind": "stale_ns_snapshot", "servers": ["PS001"]}`,
		steps: func(t testing.TB, s *Site) []actions.Action {
			g := faultOf(t, s, scenario.StaleNSSnapshot).Packages[0]
			return []actions.Action{act(actions.DeleteNSSnapshot, "", g), act(actions.RunPackageRefresh, "", ""),
				act(actions.DeletePSSnapshot, "PS001", g), act(actions.DeletePSStatus, "PS001", g),
				act(actions.UpdateConfiguration, "PS001", ""), act(actions.ResendStatus, "PS001", "")}
		},
		check: staleRemedied(scenario.StaleNSSnapshot, "PS001"),
	}}
}

// staleRemedied checks a stale-snapshot fault before and after its remedy.
func staleRemedied(kind, server string) func(t *testing.T, s *Site, before, after view) {
	return func(t *testing.T, s *Site, before, after view) {
		g := faultOf(t, s, kind).Packages[0]
		ver, _ := s.PackageVersion(g)
		prev := fmt.Sprint(mustAtoi(t, ver) - 1)
		r := rowsOf(before, server)[string(g)]
		f := files(t, before, server, g)
		if r.Status != "Invalid" || r.Version != prev || f.SnapshotVersion != prev || f.StatusRecorded != vocab.Invalid {
			t.Fatalf("before: row %+v files %+v", r, f)
		}
		if f := files(t, after, server, g); f.SnapshotVersion != ver || f.StatusRecorded != vocab.Ready || after.NotReady != 0 {
			t.Fatalf("after: files %+v, not ready %d", f, after.NotReady)
		}
	}
}

func mustAtoi(t testing.TB, s string) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestApplyRefused: actions that fail change nothing, on both stores.
func TestApplyRefused(t *testing.T) {
	sc := small(t, `{"kind": "unreachable", "servers": ["PS003"], "for": "1h"}`)
	b := newStores(t, sc)
	unknownPkg := vocab.MustGUID("01234567-89ab-cdef-0123-456789abcdef")
	g := b.mem.Packages()[0]
	badAccount := grant("PS001", "a/b")
	tests := []struct {
		name string
		a    actions.Action
		want string
		is   error
	}{
		{"unknown server", act(actions.ResendStatus, "PS009", ""), "unknown server PS009", nil},
		{"unknown package", act(actions.DeletePSStatus, "PS001", unknownPkg), "unknown package " + string(unknownPkg), nil},
		{"unknown NS package", act(actions.DeleteNSSnapshot, "", unknownPkg), "unknown package", nil},
		{"unreachable", act(actions.UpdateConfiguration, "PS003", ""), "PS003: agent unreachable", ErrUnreachable},
		{"unreachable delete", act(actions.DeletePSSnapshot, "PS003", g), "agent unreachable", ErrUnreachable},
		{"server kind with a package", act(actions.ResendStatus, "PS001", g), "target names a package", nil},
		{"NS kind on a server", act(actions.RunPackageRefresh, "PS001", ""), "not an NS target", nil},
		{"acc without account", setMode(vocab.ACC, ""), "needs an account", nil},
		{"bad account", badAccount, "not an account name", nil},
		{"unknown kind", act("reboot", "PS001", ""), `unknown action kind "reboot"`, nil},
	}
	before := sameView(t, "before", b)
	for _, tc := range tests {
		for _, st := range b.each() {
			err := st.s.Apply(ctx, tc.a)
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("%s on %s: error %v, want %q", tc.name, st.name, err, tc.want)
			}
		}
	}
	if after := sameView(t, "after", b); !reflect.DeepEqual(before, after) {
		t.Fatalf("refused actions changed the site:\n%s", diffJSON(before, after))
	}
}
