package planner

import (
	"github.com/itms-tools/reconciler/actions"
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

// hideCredential makes an agent's credential facts unknown, as the real
// driver reports them.
func hideCredential(f *fx, server string) {
	a := f.agents[vocab.Host(server)]
	a.Facts.Applied = vocab.Credential{}
	a.Facts.AppliedUnknown = "kept in the agent's secure storage"
	a.Facts.PolicyVersion = 0
	a.Facts.PolicyVersionUnknown = "no version is exposed"
}

// TestUnknownCredential: a server whose applied credential cannot be
// observed never gets a global action; with KB 179719's evidence it gets
// the first step (update, resend), without it only what its files show.
func TestUnknownCredential(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(f *fx)
		want  []string
		note  string // a note kind the plan must hold
	}{
		{"no evidence: status lost only", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			hideCredential(f, "PS001")
		}, []string{"resend_status PS001"}, NoteCredentialUnknown},
		{"bare folders: update then resend, nothing global", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			f.pair("PS002", 1, vocab.Invalid)
			for _, s := range []string{"PS001", "PS002"} {
				hideCredential(f, s)
				f.agents[vocab.Host(s)].Facts.Evidence.FoldersRead = 1
				f.agents[vocab.Host(s)].Facts.Evidence.BareFolders = 1
			}
		}, []string{"update_configuration PS001", "resend_status PS001", "update_configuration PS002", "resend_status PS002"}, ""},
		{"trust error in the log", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			hideCredential(f, "PS001")
			f.agents["PS001"].Facts.LogSignatures = []string{"trust relationship between this workstation and the primary domain failed(1789)"}
		}, []string{"update_configuration PS001", "resend_status PS001"}, ""},
		{"evidence on a server with no pair in question: nothing", func(f *fx) {
			f.server("PS001")
			f.pair("PS002", 1, vocab.Invalid)
			hideCredential(f, "PS001")
			hideCredential(f, "PS002")
			f.agents["PS001"].Facts.LogSignatures = []string{"0x80070005 [Access is denied]"}
		}, []string{"resend_status PS002"}, NoteCredentialUnknown},
		{"missing ACL explains the evidence", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			hideCredential(f, "PS001")
			a := f.agents["PS001"]
			a.Facts.FullControl = []string{"SYSTEM", "Administrators"}
			a.Facts.Evidence.FoldersRead, a.Facts.Evidence.BareFolders = 1, 1
		}, []string{"grant_acl PS001", "resend_status PS001"}, NoteCredentialUnknown},
		{"bare folders do not count when no account is wanted", func(f *fx) {
			f.want = anon
			f.obs.NS.Credential = anon
			f.pair("PS001", 1, vocab.Invalid)
			hideCredential(f, "PS001")
			f.agents["PS001"].Facts.Evidence.FoldersRead, f.agents["PS001"].Facts.Evidence.BareFolders = 1, 1
		}, []string{"resend_status PS001"}, NoteCredentialUnknown},
		{"known mismatch, unknown policy version: never stuck", func(f *fx) {
			f.pair("PS001", 1, vocab.Invalid)
			a := f.agents["PS001"]
			a.Facts.Applied = anon
			a.Facts.PolicyVersion = 99 // would read as "current" if it were known
			a.Facts.PolicyVersionUnknown = "no version is exposed"
		}, []string{"update_configuration PS001", "resend_status PS001"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFx(t)
			tc.setup(f)
			p := f.plan()
			if got := steps(p); !slices.Equal(got, tc.want) {
				t.Fatalf("plan %q, want %q", got, tc.want)
			}
			for _, a := range p.Actions {
				if a.Kind == actions.SetCredentialMode || a.Round > 0 {
					t.Errorf("global step %s planned on an unknown credential", a.ID)
				}
			}
			if tc.note != "" && !slices.ContainsFunc(p.Notes, func(n actions.Note) bool { return n.Kind == tc.note }) {
				t.Errorf("no %s note in %+v", tc.note, p.Notes)
			}
			checkPlanRules(t, p)
		})
	}
}

// TestUnknownCredentialReasonSaysWhy: the update's reason names the unknown
// fact and the evidence, and its facts say "unknown".
func TestUnknownCredentialReasonSaysWhy(t *testing.T) {
	f := newFx(t)
	f.pair("PS001", 1, vocab.Invalid)
	hideCredential(f, "PS001")
	f.agents["PS001"].Facts.Evidence.FoldersRead, f.agents["PS001"].Facts.Evidence.BareFolders = 2, 2
	p := f.plan()
	u := p.Actions[0]
	if u.Kind != actions.UpdateConfiguration || len(u.Reasons) != 1 {
		t.Fatalf("first action %+v", u)
	}
	r := u.Reasons[0]
	for _, want := range []string{"secure storage", "2 of 2 package folders", "nothing global"} {
		if !strings.Contains(r.Message, want) {
			t.Errorf("reason %q lacks %q", r.Message, want)
		}
	}
	if r.Facts[0].Value != "unknown: kept in the agent's secure storage" || !strings.HasPrefix(r.Facts[1].Value, "unknown: ") {
		t.Errorf("facts %+v", r.Facts)
	}
}

// TestDeletedStatusFile: a status file recording Deleted is kept (it holds
// the agent's countdown) and the server takes a new configuration.
func TestDeletedStatusFile(t *testing.T) {
	f := newFx(t)
	files := f.pair("PS001", 1, vocab.Invalid)
	files.StatusRecorded = vocab.Deleted
	p := f.plan()
	want := []string{"update_configuration PS001", "resend_status PS001"}
	if got := steps(p); !slices.Equal(got, want) {
		t.Fatalf("plan %q, want %q", got, want)
	}
	if !strings.Contains(p.Actions[0].Reasons[0].Message, "records Deleted") {
		t.Errorf("reason %+v", p.Actions[0].Reasons)
	}
	checkPlanRules(t, p)
}
