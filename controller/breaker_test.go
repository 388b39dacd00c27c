package controller

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/observed"
)

// worseCMDB adds Invalid rows to what the site reports: set after a pass
// that acted, it looks as if the controller's own actions broke more pairs.
type worseCMDB struct {
	observed.CMDB
	extra []observed.RawRow
}

func (w *worseCMDB) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	if err := w.CMDB.InQuestion(ctx, fn); err != nil {
		return err
	}
	for _, r := range w.extra {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func TestBreakerTripsWhenActingMakesThingsWorse(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "reconcile {\n breaker_reset_after = \"0s\"\n}\n")
	w := &worseCMDB{CMDB: r.site}
	r.ctl.site.CMDB = w
	first := r.pass()
	if first.Applied() == 0 {
		t.Fatal("the first pass did not act")
	}
	// After the pass that acted, more pairs than before are Invalid.
	var rows []observed.RawRow
	for _, h := range []string{"PS001", "PS003"} {
		for _, p := range r.site.Packages() {
			v, _ := r.site.PackageVersion(p)
			rows = append(rows, observed.RawRow{ServerID: "aaaaaaaa-0000-0000-0000-00000000000" + h[4:],
				ServerName: h, PackageID: string(p), Status: "Invalid", Version: v, PackageVersion: v, PackageKnown: true})
		}
	}
	w.extra = rows
	second := r.pass()
	if st := r.ctl.Breaker().State(); !st.Open {
		t.Fatalf("breaker closed after not-Ready grew (%d → %d)", 3, len(rows))
	}
	if second.Applied() != 0 {
		t.Fatalf("applied %d actions with the breaker open", second.Applied())
	}
	for _, s := range second.Exec.Steps {
		if s.Outcome != actions.Deferred || !strings.HasPrefix(s.Rule(), "breaker open") {
			t.Fatalf("step %+v, want deferred by the breaker", s)
		}
	}
	tripped := false
	for _, rec := range r.records() {
		tripped = tripped || (rec.Type == audit.TypeBreaker && strings.Contains(string(rec.Detail), "tripped"))
	}
	if !tripped {
		t.Fatal("trip not recorded")
	}
	// The breaker survives a restart (rebuilt from the journal) until reset.
	r.restart()
	r.ctl.site.CMDB = w
	if !r.ctl.Breaker().State().Open {
		t.Fatal("breaker forgotten across a restart")
	}
	r.ctl.Breaker().Reset()
	if third := r.pass(); third.Applied() == 0 {
		t.Fatal("nothing applied after the reset")
	}
}

func TestRejectedPolicyIsRecordedAndOldStays(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "")
	before := r.ctl.Policy()
	r.ctl.RejectPolicy("/etc/reconciler/policy.hcl", errors.New("policy.hcl:3:12: Invalid cron spec"))
	if r.ctl.Policy() != before {
		t.Fatal("policy changed on a rejection")
	}
	found := false
	for _, rec := range r.records() {
		found = found || (rec.Type == audit.TypePolicyRejected && strings.Contains(rec.Error, "Invalid cron spec"))
	}
	if !found {
		t.Fatal("rejection not recorded")
	}
}

// Growth after a pass that did nothing is not the controller's doing: the
// breaker stays closed however long ago the last acting pass was.
func TestBreakerIgnoresGrowthAfterAnIdlePass(t *testing.T) {
	r := newRig(t, scenario(t, lostScenario), "")
	w := &worseCMDB{CMDB: r.site}
	r.ctl.site.CMDB = w
	if r.pass().Applied() == 0 {
		t.Fatal("the first pass did not act")
	}
	if idle := r.pass(); idle.Applied() != 0 {
		t.Fatalf("second pass applied %d", idle.Applied())
	}
	for _, p := range r.site.Packages() {
		v, _ := r.site.PackageVersion(p)
		w.extra = append(w.extra, observed.RawRow{ServerID: "aaaaaaaa-0000-0000-0000-000000000001",
			ServerName: "PS001", PackageID: string(p), Status: "Invalid", Version: v, PackageVersion: v, PackageKnown: true})
	}
	r.pass()
	if st := r.ctl.Breaker().State(); st.Open {
		t.Fatalf("breaker tripped by growth after an idle pass: %s", st.Reason)
	}
}
