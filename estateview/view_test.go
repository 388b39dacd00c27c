package estateview_test

import (
	"strings"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/itms-tools/reconciler/estateview"
	"github.com/itms-tools/reconciler/estateview/estatetest"
)

// repairScenario: PS002 lost its status reports, PS003 lacks its ACL.
const repairScenario = `{"name": "repair", "seed": 1, "servers": 3, "packages": 3,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "status_lost", "servers": ["PS002"]},
             {"kind": "acl_missing", "servers": ["PS003"]}]}`

const verifySoon = "reconcile {\n verify_after = \"1m\"\n}\n"

func TestPushFollowsARepair(t *testing.T) {
	r := estatetest.New(t, repairScenario, verifySoon)
	first := r.Pass(2 * time.Minute)
	snap := r.View.Snapshot()
	ps2, ok := snap.Server("ps002") // any case
	if !ok {
		t.Fatal("PS002 not in the view after the first pass")
	}
	if c := ps2.Condition("PackagesReady"); c.Status != "False" || !c.Since.Equal(first.Start) {
		t.Fatalf("PS002 PackagesReady after pass 1: %+v", c)
	}
	if c := ps2.Condition(estateview.Stalled); c.Status != "False" || ps2.Rung != "0" {
		t.Errorf("Stalled is %q on rung %q after a first remedy, want False on rung 0", c.Status, ps2.Rung)
	}
	ps3, _ := snap.Server("PS003")
	if ps3.Evidence.Agent == nil || len(ps3.Evidence.Agent.FullControl) == 0 {
		t.Errorf("PS003 evidence: %+v", ps3.Evidence.Agent)
	}
	if len(ps3.Next) == 0 || ps3.Next[0].Kind != "grant_acl" || ps3.Next[0].Outcome != "applied" {
		t.Errorf("PS003 next: %+v", ps3.Next)
	}
	second := r.Pass(2 * time.Minute)
	snap = r.View.Snapshot()
	ps2, _ = snap.Server("PS002")
	if c := ps2.Condition("PackagesReady"); c.Status != "True" || !c.Since.Equal(second.Start) {
		t.Fatalf("PS002 PackagesReady after the repair: %+v", c)
	}
	h := snap.History("PS002")
	if got := transitions(h, "PackagesReady"); got != "-→False False→True" {
		t.Errorf("PS002 PackagesReady transitions %q", got)
	}
	if len(h.Actions) == 0 || h.Actions[0].Kind != "resend_status" || h.Actions[0].Outcome != "applied" ||
		len(h.Actions[0].Reasons) == 0 || h.Actions[0].Pass != first.ID {
		t.Errorf("PS002 actions: %+v", h.Actions)
	}
	passes := snap.Passes(0)
	if len(passes) != 2 || passes[0].ID != second.ID || passes[1].Result != "acted" || passes[1].Applied == 0 {
		t.Errorf("passes %+v", passes)
	}
	est := snap.Estate()
	if est.LastPass != second.ID || est.Totals.Servers != 3 || est.NS.Credential != "acc CORP\\svc-itms-acc" {
		t.Errorf("estate %+v", est)
	}
}

func transitions(h estateview.History, typ string) string {
	var parts []string
	for _, tr := range h.Transitions {
		if tr.Type == typ {
			from := tr.From
			if from == "" {
				from = "-"
			}
			parts = append(parts, from+"→"+tr.To)
		}
	}
	return strings.Join(parts, " ")
}

// TestRebuildLosesNoHistory: a restart rebuilds passes, actions with their
// reasons and outcomes, and condition transitions from the journal.
func TestRebuildLosesNoHistory(t *testing.T) {
	r := estatetest.New(t, repairScenario, verifySoon)
	r.Pass(2 * time.Minute)
	r.Pass(2 * time.Minute)
	before := r.View.Snapshot()
	r.Restart()
	after := r.View.Snapshot()
	for _, name := range []string{"PS002", "PS003"} {
		hb, ha := before.History(name), after.History(name)
		if got, want := describeHistory(ha), describeHistory(hb); got != want {
			t.Errorf("%s history after restart:\n%s\nwant\n%s", name, got, want)
		}
		sb, _ := before.Server(name)
		sa, ok := after.Server(name)
		if !ok {
			t.Fatalf("%s lost at restart", name)
		}
		for _, typ := range estateview.ConditionTypes {
			cb, ca := sb.Condition(typ), sa.Condition(typ)
			if cb.Status != ca.Status || !cb.Since.Equal(ca.Since) || cb.Reason != ca.Reason {
				t.Errorf("%s %s after restart %+v, want %+v", name, typ, ca, cb)
			}
		}
	}
	pb, pa := before.Passes(0), after.Passes(0)
	if len(pa) != len(pb) {
		t.Fatalf("%d passes after restart, want %d", len(pa), len(pb))
	}
	for i := range pa {
		if *pa[i] != *pb[i] {
			t.Errorf("pass %d after restart %+v, want %+v", i, *pa[i], *pb[i])
		}
	}
	if rb := after.Estate().Rebuilt; rb.Records == 0 || rb.Error != "" {
		t.Errorf("rebuilt %+v", rb)
	}
}

func describeHistory(h estateview.History) string {
	var b strings.Builder
	for _, tr := range h.Transitions {
		b.WriteString(tr.At.Format(time.RFC3339) + " " + tr.Type + " " + tr.From + "→" + tr.To + " " + tr.Reason + "\n")
	}
	for _, a := range h.Actions {
		b.WriteString(a.At.Format(time.RFC3339) + " " + a.Pass + " " + a.ID + " " + a.Outcome + " " + a.Rule)
		for _, rs := range a.Reasons {
			b.WriteString(" [" + rs.Cause + ": " + rs.Message + "]")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestWatchFiresOncePerChange: a watch on the estate row fires at the
// commit of a push, not before, and a watch armed after it waits for the
// next one.
func TestWatchFiresOncePerChange(t *testing.T) {
	r := estatetest.New(t, repairScenario, verifySoon)
	ws := memdb.NewWatchSet()
	v0 := r.View.Snapshot().WatchEstate(ws)
	if fired(ws) {
		t.Fatal("watch fired before any change")
	}
	r.Pass(time.Minute)
	if !fired(ws) {
		t.Fatal("watch did not fire after a push")
	}
	ws2 := memdb.NewWatchSet()
	v1 := r.View.Snapshot().WatchEstate(ws2)
	if v1.Version <= v0.Version {
		t.Errorf("version %d after a push, was %d", v1.Version, v0.Version)
	}
	if fired(ws2) {
		t.Fatal("a watch armed after the change fired")
	}
	ps := memdb.NewWatchSet()
	r.View.Snapshot().WatchServer(ps, "PS002")
	r.Pass(time.Minute) // PS002's repair shows: its row changes
	if !fired(ws2) || !fired(ps) {
		t.Fatal("watches did not fire after the second push")
	}
}

// fired reports, without waiting, whether a channel of ws is closed.
func fired(ws memdb.WatchSet) bool {
	for ch := range ws {
		select {
		case <-ch:
			return true
		default:
		}
	}
	return false
}

// TestGatesInTheView: actions held for approval are listed with the
// command that approves them; budgets show their use and when they free.
func TestGatesInTheView(t *testing.T) {
	extra := verifySoon + "approve = [\"grant_acl\"]\nlimit \"resend_status\" {\n max = 5\n per = \"1h\"\n}\n"
	r := estatetest.New(t, repairScenario, extra)
	before := r.View.Snapshot().Estate()
	if len(before.Budgets) != 1 || before.Budgets[0].Used != -1 {
		t.Errorf("budgets before the first pass %+v: use is unknown until the gates are rebuilt", before.Budgets)
	}
	first := r.Pass(time.Minute)
	est := r.View.Snapshot().Estate()
	if len(est.Pending) != 1 || est.Pending[0].ID != "grant_acl:PS003" || est.Pending[0].Command != "reconciler approve grant_acl:PS003" {
		t.Errorf("pending %+v", est.Pending)
	}
	if len(est.Budgets) != 1 {
		t.Fatalf("budgets %+v", est.Budgets)
	}
	b := est.Budgets[0]
	if b.Kind != "resend_status" || b.Used != 1 || b.Remaining != 4 || !b.FreesAt.Equal(first.Start.Add(time.Hour)) {
		t.Errorf("budget %+v, want 1 used, freeing at %s", b, first.Start.Add(time.Hour))
	}
	var held bool
	for _, h := range est.Plan.Holds {
		held = held || h.ID == "grant_acl:PS003" && strings.HasPrefix(h.Rule, "approval required")
	}
	if !held {
		t.Errorf("holds %+v", est.Plan.Holds)
	}
}
