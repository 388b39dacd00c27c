package auditview

import (
	"slices"
	"testing"

	"github.com/itms-tools/reconciler/audit"
)

const (
	pkgA = "6f1c9a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
	pkgB = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

func reason(cause string) []audit.Reason {
	return []audit.Reason{{Cause: cause, Message: cause + " here"}}
}

// cyclePass is one pass of a plan with a reset cycle serving PS008 and
// PS011, an NS snapshot rebuild serving PS003 (package A) and, for
// package B, PS004.
func cyclePass() []audit.Record {
	act := func(t audit.Type, id, kind, server, pkg, cause string, o audit.Outcome) audit.Record {
		r := audit.Record{Type: t, Pass: "pass-1", Plan: "p-1", Action: id, Kind: kind, Server: server, Package: pkg, Outcome: o}
		if cause != "" {
			r.Reasons = reason(cause)
		}
		return r
	}
	return []audit.Record{
		{Type: audit.TypePassStart, Pass: "pass-1"},
		act(audit.TypeIntent, "set_credential_mode:NS:anonymous#1", "set_credential_mode", "", "", "credential_stuck", ""),
		act(audit.TypeOutcome, "set_credential_mode:NS:anonymous#1", "set_credential_mode", "", "", "", audit.Applied),
		act(audit.TypeIntent, "update_configuration:PS011#1", "update_configuration", "PS011", "", "credential_stuck", ""),
		act(audit.TypeIntent, "update_configuration:PS008#1", "update_configuration", "PS008", "", "credential_stuck", ""),
		act(audit.TypeIntent, "delete_ns_snapshot:NS/"+pkgA, "delete_ns_snapshot", "", pkgA, "stale_ns_snapshot", ""),
		act(audit.TypeOutcome, "delete_ns_snapshot:NS/"+pkgB, "delete_ns_snapshot", "", pkgB, "stale_ns_snapshot", audit.Deferred),
		act(audit.TypeIntent, "run_package_refresh:NS", "run_package_refresh", "", "", "stale_ns_snapshot", ""),
		act(audit.TypeIntent, "delete_ps_snapshot:PS003/"+pkgA, "delete_ps_snapshot", "PS003", pkgA, "stale_ns_snapshot", ""),
		act(audit.TypeIntent, "delete_ps_snapshot:PS004/"+pkgB, "delete_ps_snapshot", "PS004", pkgB, "stale_ns_snapshot", ""),
		act(audit.TypeIntent, "resend_status:PS009", "resend_status", "PS009", "", "status_lost", ""),
		{Type: audit.TypePassEnd, Pass: "pass-1"},
	}
}

func feed(recs []audit.Record) []Row {
	var l Linker
	var rows []Row
	for _, r := range recs {
		rows = append(rows, l.Add(r)...)
	}
	return append(rows, l.Flush()...)
}

func TestLinkNSActionsToTheServersTheyServed(t *testing.T) {
	rows := feed(append(cyclePass(), audit.Record{Type: audit.TypeApproval, Plan: "p-1"}))
	if len(rows) != 13 {
		t.Fatalf("%d rows, want 13", len(rows))
	}
	want := map[string][]string{
		"set_credential_mode:NS:anonymous#1": {"PS008", "PS011"},
		"delete_ns_snapshot:NS/" + pkgA:      {"PS003"},
		"delete_ns_snapshot:NS/" + pkgB:      {"PS004"},
		"run_package_refresh:NS":             {"PS003", "PS004"},
	}
	for _, r := range rows {
		if w, ok := want[r.Action]; ok && !slices.Equal(r.Served, w) {
			t.Errorf("%s %s served %v, want %v", r.Type, r.Action, r.Served, w)
		}
		if r.Server != "" && r.Served != nil {
			t.Errorf("a server's action %s has Served %v", r.Action, r.Served)
		}
	}
	outcome := rows[2]
	if outcome.Type != audit.TypeOutcome || len(outcome.Reasons) != 1 || outcome.Reasons[0].Cause != "credential_stuck" {
		t.Errorf("the outcome row takes its intent's reasons: %+v", outcome)
	}
	if !rows[1].Concerns("ps008") || !rows[1].Concerns("NS") || rows[1].Concerns("PS009") || rows[10].Concerns("NS") {
		t.Error("Concerns: the cycle concerns PS008 and NS, not PS009; PS009's resend is no NS action")
	}
}

func TestLinkerFlushesAtEveryPass(t *testing.T) {
	var l Linker
	if got := l.Add(audit.Record{Type: audit.TypeStartup}); len(got) != 1 {
		t.Errorf("a record outside a pass is a row at once: %d", len(got))
	}
	for _, r := range cyclePass()[:4] {
		if got := l.Add(r); len(got) != 0 {
			t.Fatalf("rows before the pass ended: %v", got)
		}
	}
	if got := l.Add(audit.Record{Type: audit.TypePassStart, Pass: "pass-2"}); len(got) != 4 {
		t.Errorf("a new pass flushes the open one (a crash left no pass_end): %d rows", len(got))
	}
	if got := l.Flush(); len(got) != 1 {
		t.Errorf("Flush: %d rows", len(got))
	}
}
