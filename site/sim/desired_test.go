package sim

import (
	"slices"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/vocab"
)

// The desired-state timeline counts the NS when it differs from the wanted
// credential and each server that has not applied it or lacks its
// account's Full Control, whatever its rows say.
func TestDesiredTimeline(t *testing.T) {
	want := vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}
	clk := clock.NewFake(t0)
	sc := mustParse(t, `{"name": "d", "seed": 1, "servers": 3, "packages": 1,
	  "credential": {"mode": "acc", "account": "CORP\\svc-itms-old"},
	  "faults": [{"kind": "acl_missing", "servers": ["PS003"], "from": "2h"}]}`)
	s, err := NewMemory(sc, 1, Options{Clock: clk, Want: &want})
	if err != nil {
		t.Fatal(err)
	}
	set := actions.Action{ID: "s", Kind: actions.SetCredentialMode, Mode: want.Mode, Account: want.Account}
	clk.Advance(time.Minute)
	must(t, s.Apply(ctx, set))
	for _, h := range []vocab.Host{"PS001", "PS002", "PS003"} {
		clk.Advance(time.Minute)
		must(t, s.Apply(ctx, actions.Action{Kind: actions.UpdateConfiguration, Target: actions.Target{Server: h}}))
		must(t, s.Apply(ctx, actions.Action{Kind: actions.GrantACL, Target: actions.Target{Server: h}, Account: want.Account}))
	}
	if s.NotReady() != 0 {
		t.Fatalf("rows: %d not Ready; the timeline moved without them", s.NotReady())
	}
	clk.Advance(3 * time.Hour) // the ACL fault at 2h takes the account away on PS003
	got := s.DesiredTimeline()
	wantTL := []DesiredSample{{t0, 4}, {t0.Add(time.Minute), 3}, {t0.Add(2 * time.Minute), 2},
		{t0.Add(3 * time.Minute), 1}, {t0.Add(4 * time.Minute), 0}, {t0.Add(2 * time.Hour), 1}}
	if !slices.Equal(got, wantTL) {
		t.Fatalf("timeline %v\nwant     %v", got, wantTL)
	}
	plain, err := NewMemory(sc, 1, Options{Clock: clock.NewFake(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if tl := plain.DesiredTimeline(); len(tl) != 0 {
		t.Errorf("without Want: %v", tl)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
