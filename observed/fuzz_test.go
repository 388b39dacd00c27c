package observed

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/itms-tools/reconciler/vocab"
)

// Reliability test 7: fuzz targets for CMDB row and agent answer
// validation. Seeds: testdata/fuzz/<target>.

// FuzzParseRow: any CMDB row is a pair or a reject, never a panic. A pair
// holds only canonical GUIDs and a host name (nothing a path or a script
// could be built from otherwise), a non-empty status and clipped names;
// a reject's values are clipped.
func FuzzParseRow(f *testing.F) {
	const sid, pid = "11111111-0000-0000-0000-000000000001", "aaaaaaaa-0000-0000-0000-000000000001"
	f.Add(sid, "PS001", pid, "7-Zip", "Invalid", "1", "2", true)
	f.Add("{"+strings.ToUpper(sid)+"}", "ps001.corp.example", strings.ToUpper(pid), "", " retrying download ", "", "", true)
	f.Add(sid, `..\..\Windows`, `..\..\Windows\System32`, "$(calc)", "Ready", "1", "1", false)
	f.Add(sid, "COM1", pid, "x", "Invalid", "1", "2", true)
	f.Add(sid, "PS001.", pid+".", "\x1b[2J", "\x00", "\r\n", "a\nb", true)
	f.Add(sid, "PS001", pid, "a"+strings.Repeat("é", 41), strings.Repeat("€", 30), "1", "2", true) // clipped inside a rune
	f.Fuzz(func(t *testing.T, serverID, serverName, packageID, name, status, version, pkgVersion string, known bool) {
		row := RawRow{ServerID: serverID, ServerName: serverName, PackageID: packageID, PackageName: name,
			Status: status, Version: version, PackageVersion: pkgVersion, PackageKnown: known}
		p, reason := parseRow(row)
		if reason != "" {
			rj := rowReject(row, reason)
			for _, v := range []string{rj.ServerID, rj.Server, rj.PackageID} {
				if len(v) > 80+len("…") {
					t.Fatalf("reject value not clipped: %d bytes", len(v))
				}
			}
			return
		}
		if !known {
			t.Fatal("a row naming an unknown package was accepted")
		}
		if !p.ServerID.Valid() || !p.Package.Valid() {
			t.Fatalf("accepted ids %q %q", p.ServerID, p.Package)
		}
		if h, err := vocab.ParseHost(string(p.Server)); err != nil || h != p.Server {
			t.Fatalf("accepted server %q: %v", p.Server, err)
		}
		if strings.ContainsAny(string(p.Server)+string(p.Package)+string(p.ServerID), `\/:*?"<>|$()[]{}'; `+"`\x00") {
			t.Fatalf("accepted a path or script character: %+v", p)
		}
		if p.Status == "" || len(p.Status) > 80+len("…") || len(p.PackageName) > 80+len("…") {
			t.Fatalf("status %q or name %q", p.Status, p.PackageName)
		}
		if utf8.ValidString(name) && !utf8.ValidString(p.PackageName) {
			t.Fatalf("clipping made a valid name invalid UTF-8: %q", p.PackageName)
		}
		// [2/9] item 4: every field bounded, so any record stays small.
		if len(p.Version) > maxVersionLen || len(p.PackageVersion) > maxVersionLen || len(p.Status) > maxStatusLen ||
			len(name) > maxPackageNameLen || !utf8.ValidString(p.PackageName) {
			t.Fatalf("accepted an unbounded field: version %d, package version %d, status %d, name %d bytes",
				len(p.Version), len(p.PackageVersion), len(p.Status), len(name))
		}
	})
}

// FuzzCheckFacts: any agent answer is kept or refused, never a panic;
// kept package entries are for packages asked, on the server asked.
func FuzzCheckFacts(f *testing.F) {
	const pid = "aaaaaaaa-0000-0000-0000-000000000001"
	f.Add("PS001", pid, "PS001", "acc", `CORP\svc`, "SYSTEM", "1", true)
	f.Add("ps001", strings.ToUpper(pid), "", "", "", "", "", false)
	f.Add(`..\PS002`, `..\..\x`, "PS002", "$(x)", "\x00", "\x1b[2J", "a\nb", true)
	f.Add("PS001", "{"+pid+"}", "PS001", "appid", "", "", "", true)
	asked := []vocab.GUID{pid, "bbbbbbbb-0000-0000-0000-000000000002"}
	f.Fuzz(func(t *testing.T, server, pkg, fileServer, mode, account, principal, version string, present bool) {
		facts := AgentFacts{Server: vocab.Host(server), Applied: vocab.Credential{Mode: vocab.Mode(mode), Account: account},
			FullControl: []string{principal, principal}, LogSignatures: []string{principal},
			Packages: []PackageFiles{
				{Server: vocab.Host(fileServer), Package: vocab.GUID(pkg), SnapshotPresent: present, SnapshotVersion: version,
					StatusPresent: present, StatusRecorded: vocab.Status(version), Local: vocab.LocalReady},
				{Server: vocab.Host(fileServer), Package: vocab.GUID(pkg), SnapshotPresent: present, SnapshotVersion: version},
			}}
		out, rejects, refusal := checkFacts("PS001", asked, facts)
		if refusal != "" {
			if len(out.Packages) != 0 || out.Server != "" {
				t.Fatalf("refused answer kept: %+v", out)
			}
			return
		}
		if out.Server != "PS001" || len(out.Packages)+len(rejects) != 2 || len(out.Packages) > 1 {
			t.Fatalf("kept %+v, rejects %+v", out, rejects)
		}
		for _, p := range out.Packages {
			if !p.Package.Valid() || (p.Package != asked[0] && p.Package != asked[1]) || p.Server != "PS001" {
				t.Fatalf("kept an entry not asked: %+v", p)
			}
		}
		for _, s := range append(out.FullControl, out.LogSignatures...) {
			if len(s) > 80+len("…") {
				t.Fatalf("principal not clipped: %d bytes", len(s))
			}
		}
	})
}
