package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/guard"
)

// mixedPolicy has a limit, an allow window and a deny window.
const mixedPolicy = everyFive + `
limit "delete_ps_snapshot" {
  max = 4
  per = "1h"
}
limit "set_credential_mode" {
  max = 4
  per = "24h"
}
window "nights" {
  schedule = "0 20 * * *"
  duration = "10h"
  allow    = ["delete_ps_snapshot", "delete_ns_snapshot"]
}
window "business" {
  schedule = "0 8 * * 1-5"
  duration = "9h"
  deny     = ["set_credential_mode"]
}
`

// mixedScenario has every fault kind on a small estate.
const mixedScenario = `{"name": "mixed", "seed": 7, "servers": 12, "packages": 8,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "duration": "20h",
  "faults": [
    {"kind": "credential_not_received", "servers": ["PS003"]},
    {"kind": "credential_stuck", "count": 1, "from": "9h"},
    {"kind": "acl_missing", "servers": ["PS005"]},
    {"kind": "status_lost", "count": 2},
    {"kind": "stale_ps_snapshot", "servers": ["PS008"], "packages": 3},
    {"kind": "stale_status_file", "count": 1, "packages": 2},
    {"kind": "stale_ns_snapshot", "count": 2, "packages": 2},
    {"kind": "unreachable", "servers": ["PS009"], "from": "0s", "for": "2h"},
    {"kind": "cmdb_down", "from": "30m", "for": "15m"},
    {"kind": "downloading", "servers": ["PS010"], "packages": 5, "for": "40m"},
    {"kind": "bad_row", "package_id": "..\\..\\Windows\\System32"}
  ]}`

// TestReportGolden pins the whole report of a mixed scenario, and checks
// that it and the HTML are the same byte for byte on a second run.
func TestReportGolden(t *testing.T) {
	pol := parsePolicy(t, mixedPolicy)
	var reports, pages [2][]byte
	for i := range 2 {
		res, path := run(t, pol, parseScenario(t, mixedScenario))
		checkJournalAgrees(t, res.Report, path)
		b, err := res.Report.JSON()
		if err != nil {
			t.Fatal(err)
		}
		var page bytes.Buffer
		if err := WriteHTML(&page, res); err != nil {
			t.Fatal(err)
		}
		reports[i], pages[i] = b, page.Bytes()
		checkSafe(t, res.Report)
	}
	if !bytes.Equal(reports[0], reports[1]) {
		t.Errorf("two runs gave different reports:\n%s\n%s", reports[0], reports[1])
	}
	if !bytes.Equal(pages[0], pages[1]) {
		t.Error("two runs gave different HTML")
	}
	golden(t, "golden/mixed.json", reports[0])
	for _, want := range []string{"<svg", "nights (allow window)", "business (deny window)",
		"Budget use: delete_ps_snapshot", "Budget use: set_credential_mode", "converged_after",
		`<p class="advice">`, "An action is counted each time it becomes held", "actions applied in the hour"} {
		if !bytes.Contains(pages[0], []byte(want)) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "<link", "src=", "href=", "url(", "@import", "<?xml"} {
		if bytes.Contains(pages[0], []byte(bad)) {
			t.Errorf("HTML holds %q: it must be self-contained and inline", bad)
		}
	}
}

// checkJournalAgrees re-reads the journal and compares its applied and
// failed outcomes and its passes with the report, which counts applied
// actions from the site's own bookkeeping.
func checkJournalAgrees(t *testing.T, r Report, path string) {
	t.Helper()
	applied, failed := map[string]int{}, map[string]int{}
	passes := 0
	for _, rec := range records(t, path) {
		switch {
		case rec.Type == audit.TypePassStart:
			passes++
		case rec.Type == audit.TypeOutcome && rec.Outcome == audit.Applied:
			applied[rec.Kind]++
		case rec.Type == audit.TypeOutcome && rec.Outcome == audit.Failed:
			failed[rec.Kind]++
		}
	}
	for k, n := range r.Actions {
		if applied[k] != n || failed[k] != r.Failed[k] {
			t.Errorf("%s: report %d applied %d failed, journal %d applied %d failed", k, n, r.Failed[k], applied[k], failed[k])
		}
	}
	if passes != r.Passes {
		t.Errorf("report %d passes, journal %d", r.Passes, passes)
	}
}

// TestReportSchema checks the report's members and their order: the
// fields of DESIGN §7 first, then the extras; every kind and rule class
// present; null converged_after when not converged.
func TestReportSchema(t *testing.T) {
	pol := parsePolicy(t, everyFive+"dry_run_kinds = [\"resend_status\"]\n")
	res, _ := run(t, pol, parseScenario(t, `{"name": "dry", "seed": 1, "servers": 2, "packages": 2,
		"credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "duration": "30m",
		"faults": [{"kind": "status_lost", "servers": ["PS001"]}]}`))
	b, err := res.Report.JSON()
	if err != nil {
		t.Fatal(err)
	}
	order := []string{"scenario", "converged", "converged_after", "not_ready_at_end", "actions",
		"max_in_window", "limit_violations", "unsafe_paths_touched", "audit_chain_valid",
		"desired_state_holds", "desired_after", "seed", "start", "duration", "passes", "deferrals", "failed", "global_actions", "rejected_rows",
		"escalations", "stalled", "attempts"}
	last := -1
	for _, k := range order {
		i := bytes.Index(b, []byte(`"`+k+`":`))
		if i < last {
			t.Errorf("member %q missing or out of order in\n%s", k, b)
		}
		last = i
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != len(order) {
		t.Errorf("%d members, want %d", len(m), len(order))
	}
	if m["converged"] != false || m["converged_after"] != nil || m["desired_state_holds"] != false || m["desired_after"] != nil {
		t.Errorf("converged %v, converged_after %v, desired_state_holds %v, desired_after %v; want false and null "+
			"(resend_status is dry-run)", m["converged"], m["converged_after"], m["desired_state_holds"], m["desired_after"])
	}
	if got := len(m["attempts"].(map[string]any)); got != 8 {
		t.Errorf("%d attempt kinds, want all 8", got)
	}
	if got := len(m["escalations"].(map[string]any)); got != 3 || m["stalled"] == nil {
		t.Errorf("%d escalation rungs (want 3: 1, 2, 3), stalled %v (want a list)", got, m["stalled"])
	}
	if got := len(m["actions"].(map[string]any)); got != 8 {
		t.Errorf("%d action kinds, want all 8", got)
	}
	if got := res.Report.Deferrals["mode"]; got == 0 {
		t.Error("dry-run skips not counted under mode")
	}
	if m["start"] != "2026-01-05T00:00:00Z" || m["duration"] != "30m0s" {
		t.Errorf("start %v duration %v", m["start"], m["duration"])
	}
}

// TestWindowIntervals compares the shaded intervals with guard.Active,
// the rule the gates apply, minute by minute.
func TestWindowIntervals(t *testing.T) {
	pol := parsePolicy(t, mixedPolicy+`window "paris" {
  schedule = "30 22 * * 1-5"
  duration = "3h"
  timezone = "Europe/Paris"
  deny     = ["grant_acl"]
}
window "overlap" {
  schedule = "@every 2h"
  duration = "3h"
  deny     = ["grant_acl"]
}
`)
	start := DefaultStart.Add(-90 * time.Minute)
	end := start.Add(3 * 24 * time.Hour)
	for _, w := range pol.Windows {
		spans := openIntervals(w, start, end)
		for at := start; at.Before(end); at = at.Add(time.Minute) {
			in := false
			for _, iv := range spans {
				in = in || (!at.Before(iv.From) && at.Before(iv.To))
			}
			if in != guard.Active(w, at) {
				t.Fatalf("window %s at %s: shaded %v, guard.Active %v (spans %v)", w.Name, at, in, guard.Active(w, at), spans)
			}
		}
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	pol := parsePolicy(t, "")
	sc := parseScenario(t, `{"servers": 1, "packages": 1, "credential": {"mode": "anonymous"}}`)
	used := filepath.Join(t.TempDir(), "used.jsonl")
	if err := os.WriteFile(used, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{name: "no policy", o: Options{Scenario: sc, AuditPath: "x"}, want: "no policy"},
		{name: "no scenario", o: Options{Policy: pol, AuditPath: "x"}, want: "no scenario"},
		{name: "no journal", o: Options{Policy: pol, Scenario: sc}, want: "no journal"},
		{name: "used journal", o: Options{Policy: pol, Scenario: sc, AuditPath: used}, want: "not empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// TestRunStopsWhenCancelled: a context cancelled before the run, or by
// the first log line of its first pass, stops the simulation and its loop
// with the context's error.
func TestRunStopsWhenCancelled(t *testing.T) {
	pol := parsePolicy(t, everyFive)
	sc := parseScenario(t, `{"servers": 2, "packages": 2, "credential": {"mode": "anonymous"}, "duration": "720h"}`)
	for _, during := range []bool{false, true} {
		t.Run(fmt.Sprint("during=", during), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			log := slog.New(cancelHandler{cancel})
			if !during {
				cancel()
			}
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			_, err := Run(ctx, Options{Policy: pol, Scenario: sc, AuditPath: path, Logger: log})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
		})
	}
}

// cancelHandler cancels a context on the first record logged.
type cancelHandler struct{ cancel context.CancelFunc }

func (h cancelHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h cancelHandler) Handle(context.Context, slog.Record) error {
	h.cancel()
	return nil
}
func (h cancelHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h cancelHandler) WithGroup(string) slog.Handler      { return h }

func TestHourTicks(t *testing.T) {
	tests := []struct {
		hours float64
		want  []string // the labels
	}{
		{hours: 0.5, want: []string{"Mon 00:00", "Mon 00:10", "Mon 00:20", "Mon 00:30"}},
		{hours: 6, want: []string{"Mon 00:00", "Mon 01:00", "Mon 02:00", "Mon 03:00", "Mon 04:00", "Mon 05:00", "Mon 06:00"}},
		{hours: 24, want: []string{"Mon 00:00", "Mon 03:00", "Mon 06:00", "Mon 09:00", "Mon 12:00", "Mon 15:00", "Mon 18:00", "Mon 21:00", "Tue 00:00"}},
		{hours: 24 * 7, want: []string{"Mon 5 Jan", "Tue 6 Jan", "Wed 7 Jan", "Thu 8 Jan", "Fri 9 Jan", "Sat 10 Jan", "Sun 11 Jan", "Mon 12 Jan"}},
		{hours: 24 * 30, want: []string{"Mon 5 Jan", "Mon 12 Jan", "Mon 19 Jan", "Mon 26 Jan", "Mon 2 Feb"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range (hourTicks{start: DefaultStart}).Ticks(0, tt.hours) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%vh: labels %q, want %q", tt.hours, got, tt.want)
		}
	}
}
