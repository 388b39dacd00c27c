package planner

import (
	"github.com/itms-tools/reconciler/actions"
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

var oldAcc = vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-old`}

// TestPlanCredentialCases covers the credential rows of the cause table
// where the reset cycle and the drift fix meet, and the stuck server that
// fell behind on the policy version.
func TestPlanCredentialCases(t *testing.T) {
	cycle := []string{"set_credential_mode NS #1 anonymous", "update_configuration PS001 #1",
		"set_credential_mode NS #2 acc", "update_configuration PS001 #2", "resend_status PS001"}
	tests := []struct {
		name  string
		setup func(f *fx)
		want  []string
	}{
		{"NS already anonymous: round 1 is left out", func(f *fx) {
			f.obs.NS.Credential = anon
			f.pair("PS001", 1, vocab.Invalid)
			f.agents["PS001"].Facts.Applied = oldAcc
		}, []string{"update_configuration PS001 #1", "set_credential_mode NS #2 acc",
			"update_configuration PS001 #2", "resend_status PS001"}},
		{"drift and a stuck server: round 2 is the drift fix", func(f *fx) {
			f.obs.NS.Credential = oldAcc
			f.must(f.obs.SetServers(server("PS001"), server("PS002")))
			f.pair("PS001", 1, vocab.Invalid)
			f.agents["PS001"].Facts.Applied = anon
			f.server("PS002").Facts.Applied = oldAcc
		}, []string{"set_credential_mode NS #1 anonymous", "update_configuration PS001 #1",
			"set_credential_mode NS #2 acc", "update_configuration PS001 #2", "resend_status PS001",
			"update_configuration PS002"}},
		{"behind, and its credential is not what the NS held at its version: stuck", func(f *fx) {
			f.history = CredentialHistory{11: oldAcc, 12: acc}
			f.pair("PS001", 1, vocab.Invalid)
			a := f.agents["PS001"]
			a.Facts.Applied, a.Facts.PolicyVersion = anon, 11
		}, cycle},
		{"behind, and it holds what the NS held at its version: not received", func(f *fx) {
			f.history = CredentialHistory{11: anon, 12: acc}
			f.pair("PS001", 1, vocab.Invalid)
			a := f.agents["PS001"]
			a.Facts.Applied, a.Facts.PolicyVersion = anon, 11
		}, []string{"update_configuration PS001", "resend_status PS001"}},
		{"behind, history unknown: not received", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			a := f.agents["PS001"]
			a.Facts.Applied, a.Facts.PolicyVersion = anon, 11
		}, []string{"update_configuration PS001", "resend_status PS001"}},
		{"an open cycle cut after round 1: the stuck server is found behind", func(f *fx) {
			// Round 1 moved the NS to anonymous at version 13; PS001, stuck
			// at 12, shows what it showed before.
			f.obs.NS = nsAt(anon, 13)
			f.history = CredentialHistory{12: acc, 13: anon}
			f.pair("PS001", 1, vocab.Invalid)
			a := f.agents["PS001"]
			a.Facts.Applied, a.Facts.PolicyVersion = oldAcc, 12
		}, []string{"update_configuration PS001 #1", "set_credential_mode NS #2 acc",
			"update_configuration PS001 #2", "resend_status PS001"}},
		{"sweep: a listed server with every row Ready that missed a change", func(f *fx) {
			f.must(f.obs.SetServers(server("PS001"), server("PS002")))
			a := f.server("PS001")
			a.Facts.Applied, a.Facts.PolicyVersion = oldAcc, 11
			a.Facts.FullControl = []string{"SYSTEM", "Administrators", oldAcc.Account}
			f.server("PS002")
		}, []string{"update_configuration PS001", "grant_acl PS001"}},
		{"sweep: a server the sweep still waits for, not listed (Input.Also)", func(f *fx) {
			f.also = []vocab.Host{"PS001"}
			a := f.server("PS001")
			a.Facts.Applied, a.Facts.PolicyVersion = oldAcc, 11
			f.server("PS002").Facts.Applied = oldAcc // neither listed nor in question: not looked at
		}, []string{"update_configuration PS001"}},
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

// Round 2 carries the drift reason, which needs nothing, and the cycle's:
// the gates decide it with the cycle (guard.Cycle).
func TestPlanRound2CarriesTheDriftFix(t *testing.T) {
	f := newFx(t)
	f.obs.NS.Credential = oldAcc
	f.pair("PS001", 1, vocab.Invalid)
	f.agents["PS001"].Facts.Applied = anon
	p := f.plan()
	r2 := p.Actions[p.Index()[actions.FormatID(actions.SetCredentialMode, actions.Target{}, 2, vocab.ACC)]]
	var causes []actions.Cause
	for _, r := range r2.Reasons {
		causes = append(causes, r.Cause)
	}
	if !slices.Equal(causes, []actions.Cause{actions.CredentialStuck, actions.NSCredentialDrift}) {
		t.Fatalf("round 2 reasons %v, want the cycle's and the drift's", causes)
	}
}

// A repair that does not depend on the NS credential change does not wait
// for it: the snapshot restore of an update needs only its deletions; its
// credential reason needs the change.
func TestPlanSnapshotRepairDoesNotNeedTheDriftFix(t *testing.T) {
	f := newFx(t)
	f.obs.NS.Credential = anon
	pf := f.pair("PS001", 1, vocab.Invalid)
	pf.SnapshotVersion, pf.StatusRecorded = "6", vocab.Invalid
	f.agents["PS001"].Facts.Applied = anon
	p := f.plan()
	set := actions.FormatID(actions.SetCredentialMode, actions.Target{}, 0, vocab.ACC)
	upd := p.Actions[p.Index()[actions.FormatID(actions.UpdateConfiguration, actions.Target{Server: "PS001"}, 0, "")]]
	for _, r := range upd.Reasons {
		needs := slices.Contains(r.Requires, set)
		if credential := r.Cause == actions.CredentialNotReceived; needs != credential {
			t.Errorf("reason %s requires %v: only the credential reason needs %s", r.Cause, r.Requires, set)
		}
	}
}

// Under a cap on NS deletions, a server's snapshot deletions and the
// update that restores them wait together for every NS snapshot the
// server depends on: one update per server, after the last batch.
func TestPlanServerFileRemediesWaitForEveryNSSnapshot(t *testing.T) {
	f := newFx(t)
	f.must(f.obs.SetSnapshot(snap(1, true, "6"), snap(2, true, "6")))
	for _, n := range []int{1, 2, 3} {
		pf := f.pair("PS001", n, vocab.Invalid)
		pf.SnapshotVersion, pf.StatusRecorded = "6", vocab.Invalid
	}
	p := f.plan()
	ns := []string{actions.FormatID(actions.DeleteNSSnapshot, actions.Target{Package: pkg(1)}, 0, ""),
		actions.FormatID(actions.DeleteNSSnapshot, actions.Target{Package: pkg(2)}, 0, ""), refreshID}
	for _, a := range p.Actions {
		if a.Target.IsNS() || a.Kind == actions.ResendStatus {
			continue
		}
		for _, r := range a.Reasons {
			for _, id := range ns {
				if !slices.Contains(r.Requires, id) {
					t.Errorf("%s (%s) does not wait for %s: %v", a.ID, r.Cause, id, r.Requires)
				}
			}
		}
	}
	checkPlanRules(t, p)
}

// Needs asks for the servers in Input.Also, with no packages, unless held
// or out of scope.
func TestNeedsAlso(t *testing.T) {
	f := newFx(t)
	f.pair("PS001", 1, vocab.Invalid)
	in := Input{Desired: desiredFor(f), Obs: f.obs, Now: now, Also: []vocab.Host{"PS002", "PS003"},
		Held: map[vocab.Host]string{"PS003": "backoff"}}
	need, _ := Needs(in)
	if _, ok := need["PS002"]; !ok || len(need["PS002"]) != 0 {
		t.Errorf("PS002 not asked for with no packages: %v", need)
	}
	if _, ok := need["PS003"]; ok {
		t.Errorf("held PS003 asked for: %v", need)
	}
	if len(need["PS001"]) != 1 {
		t.Errorf("PS001's package in question not asked for: %v", need)
	}
}
