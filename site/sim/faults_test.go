package sim

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// faultCase is the state of time 0 under one fault, on both stores.
type faultCase struct {
	name     string
	scenario string // a whole scenario; empty: small() with fault
	fault    string
	notReady int
	check    func(t *testing.T, s *Site, v view, f ResolvedFault)
}

func TestFaultsAtTimeZero(t *testing.T) {
	for _, tc := range faultCases() {
		t.Run(tc.name, func(t *testing.T) {
			sc := small(t, tc.fault)
			if tc.scenario != "" {
				sc = mustParse(t, tc.scenario)
			}
			b := newStores(t, sc)
			v := sameView(t, "time 0", b)
			if v.NotReady != tc.notReady {
				t.Errorf("not ready %d, want %d", v.NotReady, tc.notReady)
			}
			if len(v.Timeline) != 1 || v.Timeline[0] != (Sample{t0, tc.notReady}) {
				t.Errorf("timeline %v", v.Timeline)
			}
			var f ResolvedFault
			if fs := b.mem.Faults(); len(fs) > 0 {
				f = fs[0]
			}
			tc.check(t, b.mem, v, f)
		})
	}
}

// refusedRows checks that every row of a server is Invalid at the
// snapshot's version with the KB's errors in agent.log.
func refusedRows(t *testing.T, s *Site, v view, server string) {
	t.Helper()
	rows := rowsOf(v, server)
	if len(rows) != len(s.Packages()) {
		t.Fatalf("%d rows in question on %s", len(rows), server)
	}
	for _, g := range s.Packages() {
		ver, _ := s.PackageVersion(g)
		if r := rows[string(g)]; r.Status != "Invalid" || r.Version != ver {
			t.Errorf("row %+v", r)
		}
	}
	if got := agentOf(t, v, server).Facts.LogSignatures; !reflect.DeepEqual(got, []string{world.SigAccessDenied, world.SigTrust}) {
		t.Errorf("signatures %v", got)
	}
}

// onlyServers checks that the rows in question are on the given servers.
func onlyServers(t *testing.T, v view, servers ...vocab.Host) {
	t.Helper()
	for _, r := range v.Rows {
		if !strings.Contains(fmt.Sprint(servers), r.ServerName) {
			t.Errorf("row in question on %s: %+v", r.ServerName, r)
		}
	}
}

func faultCases() []faultCase {
	return append(agentFaultCases(), fileFaultCases()...)
}

func agentFaultCases() []faultCase {
	return []faultCase{{
		name: "credential_not_received", fault: `{"kind": "credential_not_received", "servers": ["PS002"]}`, notReady: 4,
		check: func(t *testing.T, s *Site, v view, f ResolvedFault) {
			a := agentOf(t, v, "PS002")
			if a.Facts.Applied != (vocab.Credential{Mode: vocab.Anonymous}) || a.Facts.PolicyVersion != v.NS.PolicyVersion-1 {
				t.Errorf("agent %+v", a.Facts)
			}
			if !reflect.DeepEqual(a.Facts.FullControl, []string{"SYSTEM", "Administrators", acct}) || a.Truth.Stuck {
				t.Errorf("agent %+v", a)
			}
			refusedRows(t, s, v, "PS002")
			onlyServers(t, v, "PS002")
		},
	}, {
		name: "credential_not_received on an anonymous site",
		scenario: `{"seed": 3, "servers": 2, "packages": 2, "credential": {"mode": "anonymous"},
			"faults": [{"kind": "credential_not_received", "servers": ["PS001"]}]}`,
		notReady: 2,
		check: func(t *testing.T, s *Site, v view, f ResolvedFault) {
			if got := agentOf(t, v, "PS001").Facts.Applied; got != (vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-old`}) {
				t.Errorf("applied %v", got)
			}
			if got := agentOf(t, v, "PS002").Facts.FullControl; !reflect.DeepEqual(got, []string{"SYSTEM", "Administrators"}) {
				t.Errorf("healthy anonymous ACL %v", got)
			}
		},
	}, {
		name: "credential_stuck", fault: `{"kind": "credential_stuck", "count": 1}`, notReady: 4,
		check: func(t *testing.T, s *Site, v view, f ResolvedFault) {
			h := string(f.Servers[0])
			a := agentOf(t, v, h)
			if !a.Truth.Stuck || a.Facts.PolicyVersion != v.NS.PolicyVersion || a.Facts.Applied.Mode != vocab.Anonymous {
				t.Errorf("agent %+v", a)
			}
			refusedRows(t, s, v, h)
		},
	}, {
		name: "acl_missing", fault: `{"kind": "acl_missing", "servers": ["PS003"]}`, notReady: 4,
		check: func(t *testing.T, s *Site, v view, f ResolvedFault) {
			a := agentOf(t, v, "PS003").Facts
			if !reflect.DeepEqual(a.FullControl, []string{"SYSTEM", "Administrators"}) || !a.Applied.Equal(v.NS.Credential) {
				t.Errorf("agent %+v", a)
			}
			refusedRows(t, s, v, "PS003")
		},
	}, {
		name: "unreachable", fault: `{"kind": "unreachable", "servers": ["PS001"], "for": "10m"}`,
		check: func(t *testing.T, s *Site, v view, f ResolvedFault) {
			a := agentOf(t, v, "PS001")
			if a.Truth.Reachable || !strings.Contains(a.Err, "agent PS001: PS001: agent unreachable") {
				t.Errorf("agent %+v", a)
			}
			if _, err := s.Agent(ctx, "PS001", nil); !errors.Is(err, ErrUnreachable) {
				t.Errorf("error %v is not ErrUnreachable", err)
			}
			if !agentOf(t, v, "PS002").Truth.Reachable {
				t.Error("PS002 unreachable")
			}
		},
	}, {
		name: "cmdb_down", fault: `{"kind": "cmdb_down", "for": "10m"}`,
		check: func(t *testing.T, s *Site, v view, f ResolvedFault) {
			if v.RowsErr != "rows in question: CMDB unreachable" || v.Servers != nil {
				t.Errorf("rows error %q, servers %v", v.RowsErr, v.Servers)
			}
			if _, err := s.Servers(ctx); !errors.Is(err, ErrCMDBDown) {
				t.Errorf("servers error %v", err)
			}
		},
	}, {
		name: "bad_row", fault: `{"kind": "bad_row", "servers": ["PS002"], "package_id": "..\\..\\Windows\\System32"}`,
		check: func(t *testing.T, s *Site, v view, f ResolvedFault) {
			id := strings.ToUpper(string(s.w.Cat.Servers[1].ID))
			want := []observed.RawRow{{ServerID: id, ServerName: "PS002", PackageID: `..\..\Windows\System32`, Status: "Invalid"}}
			if !reflect.DeepEqual(v.Rows, want) {
				t.Errorf("rows %+v", v.Rows)
			}
			if got := v.Servers[1].Counts; !reflect.DeepEqual(got, map[string]int{"Ready": 4, "Invalid": 1}) {
				t.Errorf("counts %v", got)
			}
		},
	}}
}

func fileFaultCases() []faultCase {
	return []faultCase{{
		name: "status_lost", fault: `{"kind": "status_lost", "servers": ["PS001"], "packages": 2}`, notReady: 2,
		check: func(t *testing.T, s *Site, v view, f ResolvedFault) {
			rows := rowsOf(v, "PS001")
			for _, g := range f.Packages {
				ver, _ := s.PackageVersion(g)
				pf := files(t, v, "PS001", g)
				if r := rows[string(g)]; r.Status != "Invalid" || r.Version != ver || pf.StatusRecorded != vocab.Ready || pf.SnapshotVersion != ver {
					t.Errorf("row %+v files %+v", r, pf)
				}
			}
			if sig := agentOf(t, v, "PS001").Facts.LogSignatures; len(sig) != 0 {
				t.Errorf("signatures %v", sig)
			}
		},
	}, {
		name: "stale_ps_snapshot", fault: `{"kind": "stale_ps_snapshot", "servers": ["PS002"], "packages": 2}`, notReady: 2,
		check: func(t *testing.T, s *Site, v view, f ResolvedFault) {
			for i, g := range f.Packages {
				stale(t, s, v, "PS002", g)
				if snap := v.Snapshots[indexOf(s, g)]; snap.Version != ver(s, g) {
					t.Errorf("NS snapshot %d %+v", i, snap)
				}
			}
		},
	}, {
		name: "stale_ns_snapshot", fault: `{"kind": "stale_ns_snapshot", "servers": ["PS001", "PS003"]}`, notReady: 2,
		check: func(t *testing.T, s *Site, v view, f ResolvedFault) {
			g := f.Packages[0]
			if snap := v.Snapshots[indexOf(s, g)]; snap.Version != prevVer(t, s, g) {
				t.Errorf("NS snapshot %+v", snap)
			}
			stale(t, s, v, "PS001", g)
			stale(t, s, v, "PS003", g)
			if pf := files(t, v, "PS002", g); pf.SnapshotVersion != ver(s, g) {
				t.Errorf("PS002 files %+v", pf)
			}
		},
	}, {
		name: "stale_status_file", fault: `{"kind": "stale_status_file", "servers": ["PS003"]}`, notReady: 1,
		check: func(t *testing.T, s *Site, v view, f ResolvedFault) {
			g := f.Packages[0]
			pf := files(t, v, "PS003", g)
			r := rowsOf(v, "PS003")[string(g)]
			if pf.StatusRecorded != vocab.Invalid || pf.SnapshotVersion != ver(s, g) || r.Status != "Invalid" || r.Version != ver(s, g) {
				t.Errorf("row %+v files %+v", r, pf)
			}
		},
	}, {
		name: "downloading", fault: `{"kind": "downloading", "servers": ["PS001"], "packages": 3, "for": "5m"}`, notReady: 3,
		check: func(t *testing.T, s *Site, v view, f ResolvedFault) {
			if len(f.Packages) != 3 {
				t.Fatalf("packages %v", f.Packages)
			}
			rows := rowsOf(v, "PS001")
			for _, g := range f.Packages {
				pf := files(t, v, "PS001", g)
				if r := rows[string(g)]; r.Status != "Pending" || r.Version != ver(s, g) || pf.Local != vocab.LocalDownloading {
					t.Errorf("row %+v files %+v", r, pf)
				}
			}
		},
	}}
}

// stale checks a pair left with the previous snapshot version.
func stale(t *testing.T, s *Site, v view, server string, g vocab.GUID) {
	t.Helper()
	prev := prevVer(t, s, g)
	pf := files(t, v, server, g)
	r := rowsOf(v, server)[string(g)]
	if pf.SnapshotVersion != prev || pf.StatusRecorded != vocab.Invalid || r.Status != "Invalid" || r.Version != prev {
		t.Errorf("%s: row %+v files %+v", server, r, pf)
	}
}

func ver(s *Site, g vocab.GUID) string {
	v, _ := s.PackageVersion(g)
	return v
}

func prevVer(t testing.TB, s *Site, g vocab.GUID) string {
	return fmt.Sprint(mustAtoi(t, ver(s, g)) - 1)
}

func indexOf(s *Site, g vocab.GUID) int {
	for i, p := range s.Packages() {
		if p == g {
			return i
		}
	}
	return -1
}

// TestStatusLostReportSaysReady: the rows of status_lost are Invalid
// although a report says Ready, so one report repairs them.
func TestStatusLostReportSaysReady(t *testing.T) {
	b := newStores(t, small(t, `{"kind": "status_lost", "servers": ["PS001"]}, {"kind": "stale_status_file", "servers": ["PS001"]}`))
	for _, st := range b.each() {
		if n := st.s.NotReady(); n != 4 {
			t.Fatalf("%s: not ready %d", st.name, n)
		}
		if err := st.s.Apply(ctx, act(actions.ResendStatus, "PS001", "")); err != nil {
			t.Fatal(err)
		}
		if n := st.s.NotReady(); n != 1 {
			t.Fatalf("%s: not ready after a report %d, want the stale status file's 1", st.name, n)
		}
	}
	sameView(t, "after", b)
}
