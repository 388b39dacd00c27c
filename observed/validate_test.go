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
		// [2/9] item 4: every text field is bounded, so that any action's
		// journal record stays far below the journal's limit.
		{"2 MB package version", row(func(r *RawRow) { r.PackageVersion = strings.Repeat("9", 2<<20) }),
			"package version: 2097152 bytes, more than 64", ""},
		{"2 MB version", row(func(r *RawRow) { r.Version = strings.Repeat("9", 2<<20) }), "version: 2097152 bytes, more than 64", ""},
		{"version of 65 bytes", row(func(r *RawRow) { r.Version = strings.Repeat("1", 65) }), "version: 65 bytes", ""},
		{"version of 64 bytes", row(func(r *RawRow) { r.Version = strings.Repeat("1", 64) }), "", vocab.Invalid},
		{"empty versions (NULL columns)", row(func(r *RawRow) { r.Version, r.PackageVersion = "", "" }), "", vocab.Invalid},
		{"version with a newline", row(func(r *RawRow) { r.Version = "1\n+ [1] delete" }), "version: not printable ASCII", ""},
		{"version not ASCII", row(func(r *RawRow) { r.PackageVersion = "1é" }), "package version: not printable ASCII", ""},
		{"2 MB status", row(func(r *RawRow) { r.Status = strings.Repeat("x", 2<<20) }), "status: 2097152 bytes, more than 64", ""},
		{"status with an escape", row(func(r *RawRow) { r.Status = "Invalid\x1b[2J" }), "status: not printable text", ""},
		{"status not UTF-8", row(func(r *RawRow) { r.Status = "Inv\xffalid" }), "status: not printable text", ""},
		{"2 MB package name", row(func(r *RawRow) { r.PackageName = strings.Repeat("n", 2<<20) }),
			"package name: 2097152 bytes, more than 1024", ""},
		{"package name not UTF-8", row(func(r *RawRow) { r.PackageName = "7-Zip \xff" }), "package name: not valid UTF-8", ""},
		{"long package name clipped", row(func(r *RawRow) { r.PackageName = strings.Repeat("n", 1024) }), "", vocab.Invalid},
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
	got, rejects, conflicts, blocked := parseServers(raw)
	if len(got) != 1 || got[0].Name != "PS002" || got[0].Counts["Ready"] != 3 || got[0].Counts["Invalid"] != 4 {
		t.Errorf("servers %+v", got)
	}
	if len(rejects) != 2 {
		t.Errorf("rejects %+v; want bad id, no vItem", rejects)
	}
	// PS001 and ps001 are one host name under two ids: a conflict, and
	// neither is listed (before, the first id was kept and the other
	// rejected as a duplicate: actions went to a host whose rows may have
	// been the other id's).
	if len(conflicts) != 1 || conflicts[0].Kind != ConflictServerIDs || conflicts[0].Server != "PS001" ||
		len(conflicts[0].Values) != 2 || !blocked["ps001"] {
		t.Errorf("conflicts %+v, blocked %v", conflicts, blocked)
	}
}
