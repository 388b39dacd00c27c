package disk

import (
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

const g1 = "0123abcd-0000-4000-8000-00000000beef"

func TestParseSnapshot(t *testing.T) {
	g := vocab.GUID(g1)
	other := vocab.GUID(strings.Replace(g1, "beef", "cafe", 1))
	tests := []struct {
		name, data string
		want       string // version, or the error's end
		err        bool
	}{
		{"written form", string(formatSnapshot(g, "7")), "7", false},
		{"declaration and comment", `<?xml version="1.0"?><!-- hand edited --><Snapshot Version="12" PackageId="{` + strings.ToUpper(g1) + `}"/>`, "12", false},
		{"other package", string(formatSnapshot(other, "7")), "is not the folder's " + g1, true},
		{"missing version", `<Snapshot PackageId="{` + g1 + `}"/>`, "missing attribute Version", true},
		{"extra attribute", `<Snapshot PackageId="{` + g1 + `}" Version="1" Path="C:\"/>`, `unexpected attribute "Path"`, true},
		{"negative version", `<Snapshot PackageId="{` + g1 + `}" Version="-1"/>`, `Version "-1" is not a decimal number`, true},
		{"two roots", string(formatSnapshot(g, "1")) + string(formatSnapshot(g, "2")), "unexpected element <Snapshot>", true},
		{"text", `<Snapshot PackageId="{` + g1 + `}" Version="1">hello</Snapshot>`, "unexpected text", true},
		{"wrong root", `<PackageStatus PackageId="{` + g1 + `}" Version="1"/>`, "root element is <PackageStatus>, want <Snapshot>", true},
		{"entity", `<!DOCTYPE x [<!ENTITY a "b">]><Snapshot PackageId="{` + g1 + `}" Version="1"/>`, "unexpected directive", true},
		{"truncated", `<Snapshot PackageId="{` + g1, "malformed XML", true},
		{"empty", ``, "no <Snapshot> element", true},
		{"huge", `<Snapshot PackageId="{` + g1 + `}" Version="1"/>` + strings.Repeat(" ", maxXMLFile), "larger than 4096 bytes", true},
		{"not a GUID", `<Snapshot PackageId="..\..\x" Version="1"/>`, `PackageId: not a GUID: "..\\..\\x"`, true},
	}
	for _, tc := range tests {
		v, err := parseSnapshot("f.xml", []byte(tc.data), g)
		switch {
		case tc.err && (err == nil || !strings.HasPrefix(err.Error(), "f.xml: ") || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		case !tc.err && (err != nil || v != tc.want):
			t.Errorf("%s: %q %v, want %q", tc.name, v, err, tc.want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	g := vocab.GUID(g1)
	tests := []struct {
		name, data string
		want       world.StatusFile
		err        string
	}{
		{"written", string(formatStatus(g, world.StatusFile{Present: true, Status: vocab.Pending, Version: "4"})), world.StatusFile{Present: true, Status: vocab.Pending, Version: "4"}, ""},
		{"status case", `<PackageStatus PackageId="{` + g1 + `}" Status="invalid" Version="4"/>`, world.StatusFile{Present: true, Status: vocab.Invalid, Version: "4"}, ""},
		{"unknown status", `<PackageStatus PackageId="{` + g1 + `}" Status="Gone" Version="4"/>`, world.StatusFile{}, `unknown Status "Gone"`},
		{"duplicate attribute", `<PackageStatus PackageId="{` + g1 + `}" Status="Ready" Status="Ready" Version="4"/>`, world.StatusFile{}, "attribute Status given twice"},
	}
	for _, tc := range tests {
		got, err := parseStatus("s.xml", []byte(tc.data), g)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v %v", tc.name, got, err)
		}
	}
}

func TestLogLines(t *testing.T) {
	epoch := time.Date(2025, 5, 16, 11, 51, 5, 0, time.UTC)
	for _, k := range []world.LogKind{world.LogSent, world.LogAccessDenied, world.LogTrust} {
		line := strings.TrimSuffix(formatLogEvent("PS001", epoch, world.LogEvent{At: epoch.Add(time.Second), Kind: k}), "\n")
		if got, err := parseLogLine(line); err != nil || got != k {
			t.Errorf("kind %d: parsed %d %v from %s", k, got, err, line)
		}
	}
	tests := []struct {
		line string
		want world.LogKind
		err  string
	}{
		{`<event date='May 16 11:51:05' severity='2' hostName='xx100' source='EventTransport' ><![CDATA[Error while copying: Access is denied (-2147024891)]]></event>`, world.LogOther, ""},
		{`<event date='May 16' severity='2'><![CDATA[The trust relationship between this workstation and the primary domain failed(1789).]]></event>`, world.LogTrust, ""},
		{`<event date='x' severity='high'><![CDATA[m]]></event>`, 0, "missing date or severity"},
		{`<event severity='2'><![CDATA[m]]></event>`, 0, "missing date or severity"},
		{`<event date='x' severity='2' date='y'><![CDATA[m]]></event>`, 0, `attribute "date" given twice`},
		{`<event date='x severity='2'><![CDATA[m]]></event>`, 0, "malformed attribute"},
		{`<event date='x' severity='2'><![CDATA[a]]>b]]></event>`, 0, "CDATA closed twice"},
		{`<event date='x' severity='2'>m]]></event>`, 0, "no CDATA message"},
		{`event log rotated`, 0, "not an <event> line"},
	}
	for _, tc := range tests {
		got, err := parseLogLine(tc.line)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.line, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %d %v, want %d", tc.line, got, err, tc.want)
		}
	}
}

func TestSignatures(t *testing.T) {
	ev := func(ks ...world.LogKind) []world.LogEvent {
		var out []world.LogEvent
		for _, k := range ks {
			out = append(out, world.LogEvent{Kind: k})
		}
		return out
	}
	tests := []struct {
		evs  []world.LogEvent
		want string
	}{
		{nil, ""},
		{ev(world.LogAccessDenied, world.LogTrust), world.SigAccessDenied + "|" + world.SigTrust},
		{ev(world.LogAccessDenied, world.LogTrust, world.LogSent), ""},
		{ev(world.LogSent, world.LogOther, world.LogTrust), world.SigTrust},
	}
	for _, tc := range tests {
		if got := strings.Join(world.Signatures(tc.evs), "|"); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.evs, got, tc.want)
		}
	}
}

func TestTailLines(t *testing.T) {
	var b strings.Builder
	for i := range 5000 {
		b.WriteString(strings.Repeat("x", i%50) + "|line\n")
	}
	data := b.String()
	lines, err := tailLines(strings.NewReader(data), int64(len(data)), 200)
	if err != nil || len(lines) != 200 || lines[199] != strings.Repeat("x", 4999%50)+"|line" || !strings.HasSuffix(lines[0], "|line") {
		t.Fatalf("%d lines, %v", len(lines), err)
	}
	lines, err = tailLines(strings.NewReader("a\nb"), 3, 200)
	if err != nil || strings.Join(lines, ",") != "a,b" {
		t.Fatalf("%q %v", lines, err)
	}
}
