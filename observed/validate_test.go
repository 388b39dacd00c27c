package observed

import (
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

func TestParseRow(t *testing.T) {
	const (
		sid = "11111111-0000-0000-0000-000000000001"
		pid = "aaaaaaaa-0000-0000-0000-000000000001"
	)
	row := func(edit func(*RawRow)) RawRow {
		r := RawRow{ServerID: sid, ServerName: "PS001", PackageID: pid, PackageName: "7-Zip",
			Status: "Invalid", Version: "1", PackageVersion: "2", PackageKnown: true}
		edit(&r)
		return r
	}
	tests := []struct {
		name   string
		row    RawRow
		reason string // prefix; "" means accepted
		status vocab.Status
	}{
		{"ok", row(func(*RawRow) {}), "", vocab.Invalid},
		{"upper-case and braced ids", row(func(r *RawRow) {
			r.ServerID = "{" + strings.ToUpper(sid) + "}"
			r.PackageID = strings.ToUpper(pid)
		}), "", vocab.Invalid},
		{"status spelling", row(func(r *RawRow) { r.Status = " download pending " }), "", vocab.DownloadPending},
		{"unknown status kept", row(func(r *RawRow) { r.Status = "Corrupt" }), "", "Corrupt"},
		{"path as package id", row(func(r *RawRow) { r.PackageID = `..\..\Windows\System32` }), "package id: not a GUID", ""},
		{"guid with trailing text", row(func(r *RawRow) { r.PackageID = pid + `\..` }), "package id: not a GUID", ""},
		{"bad server id", row(func(r *RawRow) { r.ServerID = "PS001" }), "server id: not a GUID", ""},
		{"no vItem", row(func(r *RawRow) { r.ServerName = "" }), "server not in vItem", ""},
		{"host with path", row(func(r *RawRow) { r.ServerName = `PS001\c$` }), "server name: not a host name", ""},
		{"device name", row(func(r *RawRow) { r.ServerName = "COM1" }), "server name: host name is a Windows device name", ""},
		{"unknown package", row(func(r *RawRow) { r.PackageKnown = false }), "package not in SWDPackage", ""},
		{"empty status", row(func(r *RawRow) { r.Status = "  " }), "empty status", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, reason := parseRow(tt.row)
			if tt.reason == "" {
				if reason != "" {
					t.Fatalf("rejected: %s", reason)
				}
				if p.Package != pid || p.ServerID != sid || p.Server != "PS001" || p.Status != tt.status {
					t.Errorf("pair %+v", p)
				}
				return
			}
			if !strings.HasPrefix(reason, tt.reason) {
				t.Errorf("reason %q; want %q", reason, tt.reason)
			}
		})
	}
}

func TestRowRejectClipsValues(t *testing.T) {
	long := strings.Repeat("A", 500)
	r := rowReject(RawRow{ServerID: long, ServerName: long, PackageID: long}, "x")
	for _, v := range []string{r.ServerID, r.Server, r.PackageID} {
		if len(v) > 90 {
			t.Errorf("value not clipped: %d bytes", len(v))
		}
	}
}

func TestHealthyRowsAreNotInQuestion(t *testing.T) {
	tests := []struct {
		status           vocab.Status
		version, current string
		healthy          bool
	}{
		{vocab.Ready, "3", "3", true},
		{vocab.Ready, "2", "3", false},
		{vocab.Invalid, "3", "3", false},
		{vocab.Pending, "", "3", false},
	}
	for _, tt := range tests {
		if got := healthy(Pair{Status: tt.status, Version: tt.version, PackageVersion: tt.current}); got != tt.healthy {
			t.Errorf("%s %s/%s: healthy %v", tt.status, tt.version, tt.current, got)
		}
	}
}

// Rows that name one pair twice (braced and bare ids, or one name for two
// server ids) keep the first in a fixed order and reject the rest.
func TestDedupePairs(t *testing.T) {
	a := vocab.MustGUID("aaaaaaaa-0000-0000-0000-000000000001")
	ps := []Pair{
		{Server: "PS001", ServerID: "22222222-0000-0000-0000-000000000002", Package: a, Status: vocab.Invalid},
		{Server: "ps001", ServerID: "11111111-0000-0000-0000-000000000001", Package: a, Status: vocab.Pending},
		{Server: "PS002", ServerID: "33333333-0000-0000-0000-000000000003", Package: a, Status: vocab.Invalid},
	}
	keep, rejects := dedupePairs(ps)
	if len(keep) != 2 || keep[0].ServerID != "22222222-0000-0000-0000-000000000002" {
		t.Errorf("kept %+v", keep)
	}
	if len(rejects) != 1 || rejects[0].Reason != reasonDuplicatePair {
		t.Errorf("rejects %+v", rejects)
	}
}

func TestParseServers(t *testing.T) {
	raw := []RawServer{
		{ID: "22222222-0000-0000-0000-000000000002", Name: "PS002", Counts: map[string]int{"ready": 2, "Ready": 1, " invalid": 4}},
		{ID: "11111111-0000-0000-0000-000000000001", Name: "PS001"},
		{ID: "33333333-0000-0000-0000-000000000003", Name: "ps001"},
		{ID: "nope", Name: "PS003"},
		{ID: "44444444-0000-0000-0000-000000000004", Name: ""},
	}
	got, rejects := parseServers(raw)
	if len(got) != 2 || got[0].Name != "PS001" || got[1].Counts["Ready"] != 3 || got[1].Counts["Invalid"] != 4 {
		t.Errorf("servers %+v", got)
	}
	if len(rejects) != 3 {
		t.Errorf("rejects %+v; want duplicate name, bad id, no vItem", rejects)
	}
}
