package planner

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// input builds the planner input of the fixture, with a ladder.
func (f *fx) input(l actions.Ladder, maxAttempts int) Input {
	f.t.Helper()
	for h, a := range f.agents {
		c := *a
		c.Facts.Packages = f.files[h]
		f.must(f.obs.SetAgent(c))
	}
	return Input{Desired: desiredFor(f), Obs: f.obs, Now: now, Held: f.held, History: f.history, Also: f.also,
		Ladder: l, MaxAttempts: maxAttempts}
}

// onRung plans PS001 with the ladder at rung r on the evidence observed.
func (f *fx) onRung(r actions.Rung, edit func(*actions.LadderStep)) actions.Plan {
	f.t.Helper()
	in := f.input(nil, 3)
	ev := Assess(in)["PS001"]
	st := actions.LadderStep{Rung: r, Digest: ev.Digest, Last: "resend at 10:05 did not make 1 pair Ready"}
	if edit != nil {
		edit(&st)
	}
	in.Ladder = actions.Ladder{"PS001": st}
	return Compute(in)
}

func noteKinds(p actions.Plan) []string {
	var out []string
	for _, n := range p.Notes {
		out = append(out, n.Kind)
	}
	return out
}

var (
	procedure1 = []string{"set_credential_mode NS #1 anonymous", "update_configuration PS001 #1",
		"set_credential_mode NS #2 acc", "update_configuration PS001 #2", "resend_status PS001"}
	procedure2 = []string{"delete_ps_snapshot PS001/P1", "delete_ps_status PS001/P1",
		"update_configuration PS001", "resend_status PS001"}
)

func TestLadderRungs(t *testing.T) {
	statusLost := func(f *fx) { f.pair("PS001", 1, vocab.Invalid) }
	stuck := func(f *fx) {
		f.pair("PS001", 1, vocab.Invalid)
		f.agents["PS001"].Facts.Applied = anon
	}
	tests := []struct {
		name  string
		setup func(*fx)
		rung  actions.Rung
		edit  func(*actions.LadderStep)
		want  []string
		note  string // a note kind the plan must hold
	}{
		{"status lost, rung 0: resend", statusLost, actions.RungEvidence, nil, []string{"resend_status PS001"}, ""},
		{"status lost, rung 1: Procedure 1", statusLost, actions.RungProcedure1, nil, procedure1, ""},
		{"status lost, rung 2: Procedure 2 for the package", statusLost, actions.RungProcedure2, nil, procedure2, ""},
		{"status lost, rung 3: stalled", statusLost, actions.RungStalled, nil, nil, actions.NoteStalled},
		{"stuck, rung 0: the cycle", stuck, actions.RungEvidence, nil, procedure1, ""},
		{"stuck, rung 1: the cycle was rung 0, so Procedure 2", stuck, actions.RungProcedure1, nil, procedure2, ""},
		{"ACL missing, rung 1: cycle and grant", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			f.agents["PS001"].Facts.FullControl = []string{"SYSTEM", "Administrators"}
		}, actions.RungProcedure1, nil, []string{"set_credential_mode NS #1 anonymous", "update_configuration PS001 #1",
			"set_credential_mode NS #2 acc", "update_configuration PS001 #2", "grant_acl PS001", "resend_status PS001"}, ""},
		{"stale NS snapshot, rung 2: the NS copy too", func(f *fx) {
			f.must(f.obs.SetSnapshot(snap(1, true, "6")))
			pf := f.pair("PS001", 1, vocab.Invalid)
			pf.SnapshotVersion, pf.StatusRecorded = "6", vocab.Invalid
		}, actions.RungProcedure2, nil, []string{"delete_ns_snapshot NS/P1", "run_package_refresh NS",
			"delete_ps_snapshot PS001/P1", "delete_ps_status PS001/P1", "update_configuration PS001", "resend_status PS001"}, ""},
		{"stale PS snapshot, rung 1: Procedure 1 touches no package file", func(f *fx) {
			pf := f.pair("PS001", 1, vocab.Invalid)
			pf.SnapshotVersion, pf.StatusRecorded = "1", vocab.Invalid
		}, actions.RungProcedure1, nil, procedure1, ""},
		{"stale status file, rung 1: Procedure 1 touches no package file", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid).StatusRecorded = vocab.Invalid
		}, actions.RungProcedure1, nil, procedure1, ""},
		{"stale NS snapshot, rung 1: neither the NS copy nor the PS files", func(f *fx) {
			f.must(f.obs.SetSnapshot(snap(1, true, "6")))
			pf := f.pair("PS001", 1, vocab.Invalid)
			pf.SnapshotVersion, pf.StatusRecorded = "6", vocab.Invalid
		}, actions.RungProcedure1, nil, procedure1, ""},
		{"two packages, one in question, rung 2: Procedure 2 for that one only", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			f.files["PS001"] = append(f.files["PS001"], observed.PackageFiles{Server: "PS001", Package: pkg(2),
				SnapshotPresent: true, SnapshotVersion: "7", StatusPresent: true, StatusRecorded: vocab.Ready, Local: vocab.LocalReady})
		}, actions.RungProcedure2, nil, procedure2, ""},
		{"anonymous policy, rung 1: no cycle to plan, so Procedure 2", func(f *fx) {
			f.want = anon
			f.obs.NS.Credential = anon
			f.pair("PS001", 1, vocab.Invalid)
			f.agents["PS001"].Facts.Applied = anon
		}, actions.RungProcedure1, nil, procedure2, ""},
		{"trust error after the credential remedies: stalled", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			f.agents["PS001"].Facts.Evidence.TrustErrors = 1
		}, actions.RungProcedure2, nil, nil, actions.NoteStalled},
		{"locked account, rung 1: stalled before Procedure 1", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			f.agents["PS001"].Facts.LogSignatures = []string{"The referenced account is currently locked out and may not be logged on to(1909)"}
		}, actions.RungProcedure1, nil, nil, actions.NoteStalled},
		{"locked account, rung 0: the resend that confirms it", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			f.agents["PS001"].Facts.LogSignatures = []string{"The user's account has expired(1793)"}
		}, actions.RungEvidence, nil, []string{"resend_status PS001"}, ""},
		{"awaiting verification: nothing new", statusLost, actions.RungEvidence,
			func(s *actions.LadderStep) { s.VerifyAt = now.Add(time.Minute) }, nil, actions.NoteVerify},
		{"backoff before the next rung", statusLost, actions.RungProcedure1,
			func(s *actions.LadderStep) { s.Wait = now.Add(time.Minute) }, nil, actions.NoteBackoff},
		{"backoff over: the next rung", statusLost, actions.RungProcedure1,
			func(s *actions.LadderStep) { s.Wait = now }, procedure1, ""},
		{"stalled stays stalled on the same evidence", statusLost, actions.RungEvidence,
			func(s *actions.LadderStep) { s.Stalled = "the ladder is exhausted" }, nil, actions.NoteStalled},
		{"new evidence resets the ladder", statusLost, actions.RungStalled,
			func(s *actions.LadderStep) { s.Digest, s.Stalled = "other", "the ladder is exhausted" }, []string{"resend_status PS001"}, actions.NoteEvidence},
		{"max attempts reached: stalled", statusLost, actions.RungProcedure1,
			func(s *actions.LadderStep) { s.Attempts = map[string]int{"resend_status:PS001": 3} }, nil, actions.NoteStalled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFx(t)
			tt.setup(f)
			p := f.onRung(tt.rung, tt.edit)
			if got := steps(p); !slices.Equal(got, tt.want) {
				t.Errorf("plan:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			if tt.note != "" && !slices.Contains(noteKinds(p), tt.note) {
				t.Errorf("notes %v, want one of kind %s", p.Notes, tt.note)
			}
			if len(tt.want) > 0 && p.Ladder["PS001"].Evidence == "" {
				t.Errorf("plan ladder %v: no evidence for PS001", p.Ladder)
			}
		})
	}
}

func TestLadderReasonSaysRung(t *testing.T) {
	f := newFx(t)
	f.pair("PS001", 1, vocab.Invalid)
	p := f.onRung(actions.RungProcedure1, nil)
	resend := p.Actions[len(p.Actions)-1]
	var msgs []string
	for _, r := range resend.Reasons {
		msgs = append(msgs, r.Message)
	}
	want := "resend at 10:05 did not make 1 pair Ready; rung 1 (Procedure 1) now"
	if !slices.Contains(msgs, want) {
		t.Errorf("resend reasons %q, want %q", msgs, want)
	}
	if !slices.ContainsFunc(resend.Reasons, func(r actions.Reason) bool {
		return slices.Contains(r.Facts, actions.Fact{Name: "rung", Value: "1"})
	}) {
		t.Errorf("resend reasons %+v: no fact rung=1 (what plan --json shows)", resend.Reasons)
	}
	if u := p.Ladder["PS001"]; u.Rung != actions.RungProcedure1 || u.Pairs != 1 {
		t.Errorf("ladder use %+v", u)
	}
}

func TestEscalate(t *testing.T) {
	base := actions.Evidence{InQuestion: 2, CanCycle: true}
	with := func(edit func(*actions.Evidence)) actions.Evidence { e := base; edit(&e); return e }
	tests := []struct {
		name  string
		rung  actions.Rung
		ev    actions.Evidence
		want  actions.Rung
		stall string
	}{
		{"rung 0 not effective: Procedure 1", actions.RungEvidence, base, actions.RungProcedure1, ""},
		{"rung 0 was the cycle: Procedure 2", actions.RungEvidence, with(func(e *actions.Evidence) { e.Cycle = true }), actions.RungProcedure2, ""},
		{"no cycle possible: Procedure 2", actions.RungEvidence, with(func(e *actions.Evidence) { e.CanCycle = false }), actions.RungProcedure2, ""},
		{"Procedure 1 not effective: Procedure 2", actions.RungProcedure1, base, actions.RungProcedure2, ""},
		{"Procedure 2 not effective: stalled", actions.RungProcedure2, base, actions.RungStalled, "the ladder is exhausted"},
		{"trust after Procedure 1: stalled", actions.RungProcedure1, with(func(e *actions.Evidence) { e.Trust = true }), actions.RungStalled,
			"Test-ComputerSecureChannel -Repair) and run `reconciler retry PS001`"},
		{"trust after rung 0: Procedure 1 still", actions.RungEvidence, with(func(e *actions.Evidence) { e.Trust = true }), actions.RungProcedure1, ""},
		{"locked account after rung 0: stalled, no Procedure 1 or 2", actions.RungEvidence, with(func(e *actions.Evidence) { e.Locked = true }), actions.RungStalled,
			"unlock or renew the account, then `reconciler retry PS001`"},
		{"locked account after the cycle at rung 0: stalled", actions.RungEvidence, with(func(e *actions.Evidence) { e.Locked, e.Cycle = true, true }), actions.RungStalled,
			"locked out or expired (KB 194234)"},
		{"trust after the cycle at rung 0: stalled", actions.RungEvidence, with(func(e *actions.Evidence) { e.Trust, e.Cycle = true, true }), actions.RungStalled,
			"domain trust is broken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, stall := actions.Escalate("PS001", tt.rung, tt.ev)
			if got != tt.want || (tt.stall == "") != (stall == "") || !strings.Contains(stall, tt.stall) {
				t.Errorf("actions.Escalate = %v %q, want %v containing %q", got, stall, tt.want, tt.stall)
			}
		})
	}
}

func TestAssessDigest(t *testing.T) {
	f := newFx(t)
	f.pair("PS001", 1, vocab.Invalid)
	f.pair("PS002", 1, vocab.Invalid).StatusRecorded = vocab.Invalid
	ev := Assess(f.input(nil, 0))
	a, b := ev["PS001"], ev["PS002"]
	if a.Digest == "" || a.Digest == b.Digest || a.InQuestion != 1 {
		t.Errorf("evidence %+v %+v: want distinct digests of distinct causes", a, b)
	}
	// A volatile fact (the policy version received) leaves the digest alone.
	f2 := newFx(t)
	f2.pair("PS001", 1, vocab.Invalid)
	f2.obs.NS.PolicyVersion = 14
	f2.agents["PS001"].Facts.PolicyVersion = 14
	if got := Assess(f2.input(nil, 0))["PS001"].Digest; got != a.Digest {
		t.Errorf("digest changed with the policy version: %s vs %s", got, a.Digest)
	}
	var blocked fx = *newFx(t)
	blocked.obs.CMDBErr = errTest
	if got := Assess(blocked.input(nil, 0)); len(got) != 0 {
		t.Errorf("assess of an unread CMDB = %v", got)
	}
}

var errTest = errors.New("cmdb down")

// TestTrustReasonBeforeCredentialRemedies: a 1789 on a server whose
// credential looks right is not yet called a broken trust: at rungs 0
// and 1 the resend's reason says it may be a wrong credential, and which
// rung comes next.
func TestTrustReasonBeforeCredentialRemedies(t *testing.T) {
	for _, tt := range []struct {
		rung actions.Rung
		want string
	}{
		{actions.RungEvidence, "may be a wrong credential rather than a broken domain trust until the credential remedies were tried: Procedure 1 (the reset cycle) next"},
		{actions.RungProcedure1, "if Procedure 1 does not help either, the trust itself is broken"},
	} {
		f := newFx(t)
		f.pair("PS001", 1, vocab.Invalid)
		f.agents["PS001"].Facts.Evidence.TrustErrors = 1
		p := f.onRung(tt.rung, nil)
		if len(p.Actions) == 0 {
			t.Fatalf("rung %d: nothing planned: %v", tt.rung, p.Notes)
		}
		resend := p.Actions[len(p.Actions)-1]
		var msgs []string
		for _, r := range resend.Reasons {
			msgs = append(msgs, r.Message)
		}
		if !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, tt.want) }) {
			t.Errorf("rung %d: resend reasons %q, want one saying %q", tt.rung, msgs, tt.want)
		}
	}
}

// The lockout signatures as both sites spell them (the simulator's and the
// ITMS driver's, Windows' texts of errors 1909 and 1793) set Locked; the
// KB 179719 signatures do not.
func TestIsLockedSign(t *testing.T) {
	tests := map[string]bool{
		"The referenced account is currently locked out and may not be logged on to(1909)": true,
		"The user's account has expired(1793)":                                             true,
		"0x80070005 [Access is denied]":                                                    false,
		"trust relationship between this workstation and the primary domain failed(1789)":  false,
	}
	for sign, want := range tests {
		if got := isLockedSign(sign); got != want {
			t.Errorf("isLockedSign(%q) = %v, want %v", sign, got, want)
		}
	}
}
