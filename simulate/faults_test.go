package simulate

import (
	"fmt"
	"maps"
	"testing"

	"github.com/itms-tools/reconciler/actions"
)

// kindCounts is a sparse map of expected applied actions; absent kinds
// must be zero.
type kindCounts map[actions.Kind]int

// aloneCases are the faults of TestEachFaultAlone and the remedy DESIGN §3
// gives for each, action by action.
var aloneCases = []struct {
	name  string
	fault string
	want  kindCounts
	// rejected is the least rejected_rows expected.
	rejected int
}{
	{name: "credential not received", fault: `{"kind": "credential_not_received", "servers": ["PS002"]}`,
		want: kindCounts{actions.UpdateConfiguration: 1, actions.ResendStatus: 1}},
	{name: "credential stuck", fault: `{"kind": "credential_stuck", "count": 2}`,
		want: kindCounts{actions.SetCredentialMode: 2, actions.UpdateConfiguration: 4, actions.ResendStatus: 2}},
	{name: "acl missing", fault: `{"kind": "acl_missing", "servers": ["PS003"]}`,
		want: kindCounts{actions.GrantACL: 1, actions.ResendStatus: 1}},
	{name: "status lost", fault: `{"kind": "status_lost", "count": 1}`,
		want: kindCounts{actions.ResendStatus: 1}},
	{name: "stale status file", fault: `{"kind": "stale_status_file", "servers": ["PS001"], "packages": 2}`,
		want: kindCounts{actions.DeletePSStatus: 2, actions.ResendStatus: 1}},
	{name: "stale ps snapshot", fault: `{"kind": "stale_ps_snapshot", "servers": ["PS004"], "packages": 3}`,
		want: kindCounts{actions.DeletePSSnapshot: 3, actions.DeletePSStatus: 3, actions.UpdateConfiguration: 1, actions.ResendStatus: 1}},
	{name: "stale ns snapshot", fault: `{"kind": "stale_ns_snapshot", "servers": ["PS002", "PS003"], "packages": 2}`,
		want: kindCounts{actions.DeleteNSSnapshot: 2, actions.RunPackageRefresh: 1, actions.DeletePSSnapshot: 4,
			actions.DeletePSStatus: 4, actions.UpdateConfiguration: 2, actions.ResendStatus: 2}},
	{name: "downloading", fault: `{"kind": "downloading", "servers": ["PS001"], "packages": 3, "for": "40m"}`,
		want: kindCounts{}},
	{name: "unreachable", fault: `{"kind": "unreachable", "servers": ["PS001"], "from": "0s", "for": "1h"}`,
		want: kindCounts{}},
	{name: "cmdb down", fault: `{"kind": "cmdb_down", "from": "10m", "for": "30m"}`,
		want: kindCounts{}},
	{name: "bad row", fault: `{"kind": "bad_row", "package_id": "..\\..\\Windows\\System32"}`,
		want: kindCounts{}, rejected: 1},
}

// TestEachFaultAlone runs each fault kind alone on a small estate and
// checks the remedy DESIGN §3 gives for it, action by action.
func TestEachFaultAlone(t *testing.T) {
	pol := parsePolicy(t, everyFive)
	for _, tt := range aloneCases {
		t.Run(tt.name, func(t *testing.T) {
			sc := parseScenario(t, fmt.Sprintf(`{"name": "alone", "seed": 11, "servers": 4, "packages": 6,
				"credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"}, "duration": "6h",
				"faults": [%s]}`, tt.fault))
			res, _ := run(t, pol, sc)
			r := res.Report
			if !r.Converged || r.NotReadyAtEnd != 0 {
				t.Errorf("converged %v with %d not Ready at the end", r.Converged, r.NotReadyAtEnd)
			}
			want := map[string]int{}
			for _, k := range actions.Kinds {
				want[string(k)] = tt.want[k]
			}
			if !maps.Equal(r.Actions, want) {
				t.Errorf("actions\n got %v\nwant %v", r.Actions, want)
			}
			checkSafe(t, r)
			if r.RejectedRows < tt.rejected {
				t.Errorf("rejected_rows %d, want at least %d", r.RejectedRows, tt.rejected)
			}
			t.Logf("converged after %v in %d passes; deferrals %v", after(t, r), r.Passes, r.Deferrals)
		})
	}
}
