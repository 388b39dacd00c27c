package simulate

import (
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
)

// outageCases are the outages of TestNoActionDuringOutages.
var outageCases = []struct {
	name   string
	faults string
	// quiet is when no intent may be recorded (on server, if set).
	server     string
	from, till time.Duration
}{
	{name: "cmdb down mid-repair", faults: `
		{"kind": "status_lost", "servers": ["PS001"], "from": "40m"},
		{"kind": "acl_missing", "servers": ["PS002"], "from": "50m"},
		{"kind": "cmdb_down", "from": "30m", "for": "1h"}`,
		from: 30 * time.Minute, till: 90 * time.Minute},
	{name: "cmdb down from the start", faults: `
		{"kind": "stale_ps_snapshot", "servers": ["PS003"], "packages": 2},
		{"kind": "cmdb_down", "from": "0s", "for": "45m"}`,
		till: 45 * time.Minute},
	{name: "unreachable server", faults: `
		{"kind": "acl_missing", "servers": ["PS002"]},
		{"kind": "status_lost", "servers": ["PS001"]},
		{"kind": "unreachable", "servers": ["PS002"], "from": "0s", "for": "2h"}`,
		server: "PS002", till: 2 * time.Hour},
	{name: "unreachable later", faults: `
		{"kind": "stale_status_file", "servers": ["PS004"], "packages": 2, "from": "1h"},
		{"kind": "unreachable", "servers": ["PS004"], "from": "50m", "for": "1h30m"}`,
		server: "PS004", from: 50 * time.Minute, till: 140 * time.Minute},
}

// TestNoActionDuringOutages: while the CMDB is down the controller plans
// nothing, so no intent is recorded; while a server is unreachable no
// intent targets it. Both repair once the outage ends.
func TestNoActionDuringOutages(t *testing.T) {
	pol := parsePolicy(t, everyFive)
	for _, tt := range outageCases {
		t.Run(tt.name, func(t *testing.T) {
			sc := parseScenario(t, `{"name": "outage", "seed": 5, "servers": 4, "packages": 5,
				"credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "duration": "5h",
				"faults": [`+tt.faults+`]}`)
			res, path := run(t, pol, sc)
			r := res.Report
			checkSafe(t, r)
			if !r.Converged {
				t.Fatalf("not converged: %d not Ready at the end", r.NotReadyAtEnd)
			}
			if got := after(t, r); got < tt.till {
				t.Errorf("converged after %v, before the outage ended at %v", got, tt.till)
			}
			intents, later := 0, 0
			for _, rec := range records(t, path) {
				if rec.Type != audit.TypeIntent {
					continue
				}
				intents++
				at := rec.Time.Sub(res.Series.Start)
				target := tt.server == "" || strings.EqualFold(rec.Server, tt.server)
				if target && at >= tt.from && at < tt.till {
					t.Errorf("intent %s at %v, inside the outage [%v, %v)", rec.Action, at, tt.from, tt.till)
				}
				if target && at >= tt.till {
					later++
				}
			}
			if intents == 0 || later == 0 {
				t.Errorf("%d intents, %d on the affected data after the outage: nothing was repaired", intents, later)
			}
		})
	}
}

// TestBadRowsNeverReachAPath: rows whose PackageId is a path are
// reported, never acted on, and do not keep the site from converging.
func TestBadRowsNeverReachAPath(t *testing.T) {
	ids := []string{
		`..\\..\\Windows\\System32`,
		`{0b0f0c1e-0000-4000-8000-000000000001}\\..\\..\\..\\Windows`,
		`C:\\Windows\\System32\\config`,
		`../../etc/passwd`,
		`%SYSTEMROOT%`,
	}
	pol := parsePolicy(t, everyFive)
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			sc := parseScenario(t, `{"name": "bad-row", "seed": 9, "servers": 3, "packages": 4,
				"credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "duration": "2h",
				"faults": [{"kind": "bad_row", "servers": ["PS002"], "package_id": "`+id+`"},
					{"kind": "status_lost", "servers": ["PS002"]}]}`)
			res, path := run(t, pol, sc)
			r := res.Report
			checkSafe(t, r)
			if !r.Converged || r.RejectedRows < 1 {
				t.Errorf("converged %v, rejected_rows %d; want true and at least 1", r.Converged, r.RejectedRows)
			}
			for _, rec := range records(t, path) {
				if rec.Type == audit.TypeIntent && rec.Package != "" {
					t.Errorf("intent on package %q: only resend_status was needed", rec.Package)
				}
			}
		})
	}
}
