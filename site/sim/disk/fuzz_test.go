package disk

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// Reliability test 7: fuzz targets for what the simulated site reads from
// files a person may edit (snapshot.xml, PackageStatus.xml, agent.log; the
// scenario JSON: package scenario's FuzzParseScenario). Seeds:
// testdata/fuzz/<target>. None may panic; each checks what its callers
// rely on.

// fuzzGUID is the package every file parser is asked about.
const fuzzGUID = "67dc1775-0f72-4ec3-a774-a650f5a05acd"

// FuzzParseSnapshot: a snapshot.xml is parsed or refused, never a panic;
// an accepted version is printable, survives being written back, and the
// error of a refused file names it.
func FuzzParseSnapshot(f *testing.F) {
	g := vocab.GUID(fuzzGUID)
	f.Add(formatSnapshot(g, "7"))
	f.Add([]byte(`<?xml version="1.0"?><!-- x --><Snapshot Version="12" PackageId="{` + strings.ToUpper(fuzzGUID) + `}"/>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><Snapshot PackageId="{` + fuzzGUID + `}" Version="&a;"/>`))
	f.Add([]byte(`<Snapshot PackageId="..\..\x" Version="1"/>`))
	f.Add([]byte("\xef\xbb\xbf<Snapshot PackageId='{" + fuzzGUID + "}' Version='1'></Snapshot>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseSnapshot("f.xml", data, g)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.xml: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if checkVersion(v) != nil || strings.ContainsAny(v, "\"<>&\x00\r\n") {
			t.Fatalf("accepted version %q", v)
		}
		if back, err := parseSnapshot("f.xml", formatSnapshot(g, v), g); err != nil || back != v {
			t.Fatalf("version %q does not survive a write: %q %v", v, back, err)
		}
	})
}

// FuzzParseStatus: the same for PackageStatus.xml; an accepted status is
// one of the three the sim writes.
func FuzzParseStatus(f *testing.F) {
	g := vocab.GUID(fuzzGUID)
	f.Add(formatStatus(g, world.StatusFile{Present: true, Status: vocab.Invalid, Version: "4"}))
	f.Add([]byte(`<PackageStatus PackageId="{` + fuzzGUID + `}" Status="ready" Version="4"/>`))
	f.Add([]byte(`<PackageStatus PackageId="{` + fuzzGUID + `}" Status="Ready" Status="Invalid" Version="4"/>`))
	f.Add([]byte(`<PackageStatus PackageId="{` + fuzzGUID + `}" Status=" Pending " Version="4">text</PackageStatus>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := parseStatus("s.xml", data, g)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "s.xml: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if !st.Present || !slices.Contains([]vocab.Status{vocab.Ready, vocab.Invalid, vocab.Pending}, st.Status) || checkVersion(st.Version) != nil {
			t.Fatalf("accepted %+v", st)
		}
		if back, err := parseStatus("s.xml", formatStatus(g, st), g); err != nil || back != st {
			t.Fatalf("%+v does not survive a write: %+v %v", st, back, err)
		}
	})
}

// FuzzAgentLog: the tail of an agent.log, as the disk site reads it (the
// last lines, each parsed, then the KB signatures): never a panic; the
// signatures are only the KB's two, in order; a line the sim wrote parses
// to its kind.
func FuzzAgentLog(f *testing.F) {
	epoch := time.Date(2025, 5, 16, 11, 51, 5, 0, time.UTC)
	var all strings.Builder
	for _, k := range []world.LogKind{world.LogAccessDenied, world.LogTrust, world.LogSent, world.LogTrust} {
		all.WriteString(formatLogEvent("PS001", epoch, world.LogEvent{At: epoch.Add(time.Second), Kind: k}))
	}
	f.Add([]byte(all.String()))
	f.Add([]byte(`<event date='May 16 11:51:05' severity='2' hostName='xx100' source='EventTransport' ><![CDATA[Error while copying: Access is denied (-2147024891)]]></event>` + "\n"))
	f.Add([]byte("<event date='x' severity='2'><![CDATA[a]]>b]]></event>\n\n\r\n"))
	f.Add([]byte("event log rotated\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, err := tailLines(bytes.NewReader(data), int64(len(data)), world.LogTailEvents)
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) > world.LogTailEvents {
			t.Fatalf("%d lines, more than %d", len(lines), world.LogTailEvents)
		}
		var evs []world.LogEvent
		for _, l := range lines {
			if strings.Contains(l, "\n") || strings.TrimSpace(l) == "" {
				t.Fatalf("line %q", l)
			}
			k, err := parseLogLine(l)
			if err != nil {
				continue
			}
			if k == world.LogSent && !strings.Contains(l, logMessages[world.LogSent][2]) {
				t.Fatalf("a report counted as sent without its message: %q", l)
			}
			evs = append(evs, world.LogEvent{Kind: k})
		}
		sigs := world.Signatures(evs)
		if len(sigs) > 2 || slices.ContainsFunc(sigs, func(s string) bool { return s != world.SigAccessDenied && s != world.SigTrust }) ||
			len(sigs) == 2 && sigs[0] != world.SigAccessDenied {
			t.Fatalf("signatures %q", sigs)
		}
	})
}
