package health

import (
	"github.com/itms-tools/reconciler/vocab"
	"testing"
	"time"
)

func server(name string, statuses ...Status) ServerHealth {
	s := ServerHealth{Name: vocab.Host(name), Counts: map[string]int{}}
	reasons := map[Status]string{True: "Ok", False: "Bad", Unknown: ReasonNotObserved}
	for i, t := range ConditionTypes {
		st := True
		if i < len(statuses) {
			st = statuses[i]
		}
		s.Conditions = append(s.Conditions, Condition{Type: t, Status: st, Reason: reasons[st]})
	}
	if statuses := s.Conditions[3]; statuses.Status == False {
		s.NotReady, s.Counts["Invalid"] = 2, 2
	}
	return s
}

func names(r Report) []string {
	var out []string
	for _, s := range r.Servers {
		out = append(out, string(s.Name))
	}
	return out
}

// TestMergeCountsEveryKnownServer: servers a pass did not see (none of
// their rows in question) are carried with PackagesReady True, so an
// estate that got healthy still counts every server; a NotObserved
// condition keeps the value last observed; a server list drops servers
// that are gone.
func TestMergeCountsEveryKnownServer(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	known := &Report{Servers: []ServerHealth{
		server("PS001", True, True, True, False), // repaired since: not in cur
		server("PS002", False, Unknown, Unknown, True),
		server("PS003"),
	}}
	cur := Report{At: at, Servers: []ServerHealth{server("ps002", Unknown, Unknown, Unknown, False)}, Totals: Totals{Rejects: 1}}
	m := Merge(cur, known)
	if got := names(m); len(got) != 3 || got[0] != "PS001" || got[1] != "ps002" || got[2] != "PS003" {
		t.Fatalf("servers %v", got)
	}
	ps1 := m.Servers[0]
	if c, _ := ps1.Condition(PackagesReady); c.Status != True || c.Reason != ReasonAllRowsReady || !c.LastTransition.Equal(at) || ps1.NotReady != 0 {
		t.Errorf("PS001 carried: %+v", ps1)
	}
	if c, _ := m.Servers[1].Condition(Reachable); c.Status != False || c.Reason != "Bad" {
		t.Errorf("ps002's Reachable keeps the last observed value: %+v", c)
	}
	if c, _ := m.Servers[1].Condition(PackagesReady); c.Status != False {
		t.Errorf("ps002's fresh PackagesReady: %+v", c)
	}
	if m.Totals.Servers != 3 || m.Totals.Healthy != 2 || m.Totals.NotReady != 2 || m.Totals.Rejects != 1 {
		t.Errorf("totals %+v", m.Totals)
	}

	listed := Report{At: at, ServersListed: true, Servers: []ServerHealth{server("PS003"), server("PS004", Unknown, Unknown, Unknown, True)}}
	r := Roster(&m, listed)
	if got := names(*r); len(got) != 2 || got[0] != "PS003" || got[1] != "PS004" {
		t.Errorf("roster %v", got)
	}
	if m2 := Merge(Report{At: at, CMDBError: "down"}, known); len(m2.Servers) != 0 || m2.CMDBError != "down" {
		t.Errorf("a failed read is not merged: %+v", m2)
	}
}

func TestForget(t *testing.T) {
	r := &Report{Servers: []ServerHealth{server("PS001", True, False, True, False), server("PS002", True, False)}}
	f := Forget(r, []vocab.Host{"ps001"}, "changed")
	if c, _ := f.Servers[0].Condition(CredentialApplied); c.Status != Unknown || c.Reason != ReasonNotObserved || c.Message != "changed" {
		t.Errorf("PS001 CredentialApplied = %+v", c)
	}
	if c, _ := f.Servers[0].Condition(PackagesReady); c.Status != False {
		t.Errorf("PackagesReady is the CMDB's, kept: %+v", c)
	}
	if c, _ := f.Servers[1].Condition(CredentialApplied); c.Status != False {
		t.Errorf("PS002 untouched: %+v", c)
	}
	if c, _ := r.Servers[0].Condition(CredentialApplied); c.Status != False {
		t.Error("Forget changed its argument")
	}
}
