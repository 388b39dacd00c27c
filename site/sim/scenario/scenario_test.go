package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/vocab"
)

// designExample is the scenario of DESIGN §7, verbatim.
const designExample = `{
  "name": "mixed-faults", "seed": 7, "servers": 40, "packages": 120,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "duration": "24h",
  "faults": [
    {"kind": "credential_not_received", "servers": ["PS003"]},
    {"kind": "credential_stuck", "count": 2},
    {"kind": "acl_missing", "servers": ["PS005", "PS006"]},
    {"kind": "status_lost", "count": 3},
    {"kind": "stale_ps_snapshot", "servers": ["PS008"], "packages": 3},
    {"kind": "stale_ns_snapshot", "count": 4, "packages": 2},
    {"kind": "unreachable", "servers": ["PS009"], "from": "0s", "for": "2h"},
    {"kind": "cmdb_down", "from": "30m", "for": "15m"},
    {"kind": "downloading", "servers": ["PS010"], "packages": 5, "for": "40m"},
    {"kind": "bad_row", "package_id": "..\\..\\Windows\\System32"}
  ]
}`

// mustParse parses an inline scenario.
func mustParse(t testing.TB, js string) *Scenario {
	t.Helper()
	sc, err := Parse("test.json", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestParseDesignExample(t *testing.T) {
	sc, err := Parse("mixed.json", []byte(designExample))
	if err != nil {
		t.Fatal(err)
	}
	want := &Scenario{
		Name: "mixed-faults", Seed: 7, Servers: 40, Packages: 120,
		Credential: vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`},
		Duration:   24 * time.Hour,
		Faults: []Fault{
			{Kind: CredentialNotReceived, Servers: []string{"PS003"}},
			{Kind: CredentialStuck, Count: 2},
			{Kind: ACLMissing, Servers: []string{"PS005", "PS006"}},
			{Kind: StatusLost, Count: 3, Packages: 120},
			{Kind: StalePSSnapshot, Servers: []string{"PS008"}, Packages: 3},
			{Kind: StaleNSSnapshot, Count: 4, Packages: 2},
			{Kind: Unreachable, Servers: []string{"PS009"}, For: 2 * time.Hour},
			{Kind: CMDBDown, From: 30 * time.Minute, For: 15 * time.Minute},
			{Kind: Downloading, Servers: []string{"PS010"}, Packages: 5, For: 40 * time.Minute},
			{Kind: BadRow, Count: 1, PackageID: `..\..\Windows\System32`},
		},
	}
	if got, w := fmt.Sprintf("%+v", sc), fmt.Sprintf("%+v", want); got != w {
		t.Fatalf("parsed\n%s\nwant\n%s", got, w)
	}
}

func TestParseScenarioErrors(t *testing.T) {
	const head = `"servers": 10, "packages": 5, "credential": {"mode": "acc", "account": "CORP\\svc"}`
	fault := func(f string) string { return "{" + head + `, "faults": [` + f + "]}" }
	tests := []struct {
		name, js string
		at       string // the error points at the first occurrence of this text
		want     string // the message after "f.json:LINE:COL: "
	}{
		{"syntax", "{\n  \"servers\": 1,,\n}", ",\n}", `invalid character ',' looking for beginning of object key string`},
		{"not an object", `[1]`, `[`, `want an object`},
		{"unknown top-level field", "{\n  " + head + ",\n  \"colour\": 1}", `"colour"`, `unknown field "colour"`},
		{"duplicate field", `{"servers": 1, "servers": 2}`, `"servers": 2`, `duplicate field "servers"`},
		{"unknown credential field", `{"servers": 1, "packages": 1, "credential": {"mode": "acc", "user": "x"}}`,
			`"user"`, `credential: unknown field "user"`},
		{"unknown fault field", fault(`{"kind": "status_lost", "count": 1, "severity": 3}`),
			`"severity"`, `faults[0]: unknown field "severity"`},
		{"unknown kind", fault(`{"kind": "acl_missing", "count": 1}, {"kind": "disk_full"}`), `"disk_full"`,
			`faults[1]: unknown kind "disk_full" (known: credential_not_received, credential_stuck, acl_missing, status_lost, stale_ps_snapshot, stale_ns_snapshot, unreachable, cmdb_down, downloading, bad_row, stale_status_file, status_report_fails, trust_broken, remedy_fails_once, credential_locked)`},
		{"missing kind", fault(`{"count": 1}`), `{"count"`, `faults[0]: missing "kind"`},
		{"fault not an object", fault(`{"kind": "acl_missing", "count": 1}, 7`), `7]`, `faults[1]: want an object`},
		{"faults not a list", "{" + head + `, "faults": {}}`, `{}}`, `faults: want a list`},
		{"credential not an object", `{"servers": 1, "packages": 1, "credential": "acc"}`, `"acc"`, `credential: want an object`},
		{"bad duration", fault(`{"kind": "cmdb_down", "for": "ten minutes"}`), `"ten minutes"`,
			`faults[0].for: not a duration: "ten minutes" (want for example "30m" or "24h")`},
		{"negative duration", fault(`{"kind": "cmdb_down", "from": "-5m"}`), `"-5m"`, `faults[0].from: must not be negative: "-5m"`},
		{"duration as number", `{"servers": 1, "packages": 1, "duration": 60}`, `60`, `duration: want a string`},
		{"count as string", fault(`{"kind": "acl_missing", "count": "2"}`), `"2"`, `faults[0].count: want an integer`},
		{"servers and count", fault(`{"kind": "acl_missing", "servers": ["PS001"], "count": 1}`), `1}]`,
			`faults[0]: "servers" and "count" exclude each other`},
		{"unknown server", fault(`{"kind": "acl_missing", "servers": ["PS011"]}`), `["PS011"]`,
			`faults[0]: unknown server "PS011" (servers are PS001 to PS010)`},
		{"server listed twice", fault(`{"kind": "acl_missing", "servers": ["PS001", "ps001"]}`), `["PS001"`,
			`faults[0]: server PS001 listed twice`},
		{"count too big", fault(`{"kind": "acl_missing", "count": 11}`), `11}`,
			`faults[0]: count must be between 1 and the 10 servers, not 11`},
		{"no servers", fault(`{"kind": "acl_missing"}`), `{"kind"`, `faults[0]: needs "servers" or "count"`},
		{"packages too many", fault(`{"kind": "stale_ps_snapshot", "count": 1, "packages": 6}`), `6}`,
			`faults[0]: packages must be between 1 and the 5 packages, not 6`},
		{"packages on a server fault", fault(`{"kind": "credential_stuck", "count": 1, "packages": 2}`), `2}]`,
			`faults[0]: credential_stuck takes no "packages"`},
		{"bad_row without package_id", fault(`{"kind": "bad_row", "servers": ["PS001"]}`), `{"kind"`,
			`faults[0]: bad_row needs "package_id"`},
		{"bad_row on two servers", fault(`{"kind": "bad_row", "count": 2, "package_id": "x"}`), `2, "package_id"`,
			`faults[0]: bad_row takes one server`},
		{"package_id elsewhere", fault(`{"kind": "status_lost", "count": 1, "package_id": "x"}`), `"x"`,
			`faults[0]: only bad_row takes "package_id"`},
		{"cmdb_down with servers", fault(`{"kind": "cmdb_down", "servers": ["PS001"]}`), `["PS001"]`,
			`faults[0]: cmdb_down takes no servers`},
		{"for on a state fault", fault(`{"kind": "acl_missing", "count": 1, "for": "1h"}`), `"1h"`,
			`faults[0]: acl_missing takes no "for"`},
		{"from after the end", fault(`{"kind": "cmdb_down", "from": "25h"}`), `"25h"`,
			`faults[0]: from 25h0m0s is after the end of the scenario (24h0m0s)`},
		{"no servers field", `{"packages": 1}`, `{`, `servers: missing`},
		{"zero servers", `{"servers": 0, "packages": 1}`, `0,`, `servers: must be between 1 and 100000, not 0`},
		{"no credential", `{"servers": 1, "packages": 1}`, `{`, `credential: missing`},
		{"invalid credential", `{"servers": 1, "packages": 1, "credential": {"mode": "acc"}}`, `{"mode"`,
			`credential: credential mode acc needs an account`},
		{"unknown mode", `{"servers": 1, "packages": 1, "credential": {"mode": "kerberos"}}`, `{"mode"`,
			`credential: unknown credential mode "kerberos" (want anonymous, appid or acc)`},
		{"trailing data", `{"servers": 1} {}`, `{}`, `invalid character '{' after top-level value`},
		{"zero duration", `{"servers": 1, "packages": 1, "credential": {"mode": "anonymous"}, "duration": "0s"}`, `"0s"`,
			`duration: must be positive`},
		{"too many pairs", `{"servers": 100000, "packages": 100000}`, `100000}`,
			`packages: 100000 servers x 100000 packages is more than 10000000 pairs`},
		// The review's 138-byte scenario: 12 GB in 3 minutes before the bound.
		{"review's 100k x 500", `{"name":"big","servers":100000,"packages":500,"credential":{"mode":"anonymous"},"duration":"24h"}`, `500,`,
			`packages: 100000 servers x 500 packages is more than 10000000 pairs`},
		// The review's 83-byte scenario: about 40 CPU-minutes before the bound.
		{"review's 1000000h", `{"servers":1,"packages":1,"credential":{"mode":"anonymous"},"duration":"1000000h"}`, `"1000000h"`,
			`duration: at most 744h0m0s (31 days), not "1000000h"`},
		{"duration just over 31 days", `{"servers":1,"packages":1,"credential":{"mode":"anonymous"},"duration":"744h1s"}`, `"744h1s"`,
			`duration: at most 744h0m0s (31 days), not "744h1s"`},
		{"for over 31 days", fault(`{"kind": "cmdb_down", "for": "745h"}`), `"745h"`,
			`faults[0].for: at most 744h0m0s (31 days), not "745h"`},
		{"too many faults", `{"servers":1,"packages":1,"credential":{"mode":"anonymous"},"faults":[` +
			strings.Repeat(`{"kind":"cmdb_down"},`, MaxFaults) + `{"kind":"cmdb_down"}]}`, `{"kind":"cmdb_down"}]`,
			`faults: more than 1000 faults`},
		{"faults hit too many pairs", `{"servers":10000,"packages":1000,"credential":{"mode":"anonymous"},"faults":[` +
			`{"kind":"status_lost","count":10000},{"kind":"acl_missing","count":10000},{"kind":"stale_ps_snapshot","count":10000,"packages":2}]}`,
			`{"kind":"stale_ps_snapshot"`,
			`faults[2]: the faults hit more than 20000000 server-package pairs in all (20020000 so far)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			i := strings.Index(tc.js, tc.at)
			if i < 0 {
				t.Fatalf("marker %q not in the scenario", tc.at)
			}
			line, col := lineCol([]byte(tc.js), int64(i))
			want := fmt.Sprintf("f.json:%d:%d: %s", line, col, tc.want)
			_, err := Parse("f.json", []byte(tc.js))
			if err == nil {
				t.Fatalf("no error; want %s", want)
			}
			if err.Error() != want {
				t.Fatalf("error\n %s\nwant\n %s", err, want)
			}
		})
	}
}

func TestScenarioDefaults(t *testing.T) {
	sc := mustParse(t, `{"servers": 3, "packages": 4, "credential": {"mode": "anonymous"}, "faults": [
		{"kind": "stale_ns_snapshot", "count": 1}, {"kind": "downloading", "count": 1},
		{"kind": "stale_status_file", "count": 1}, {"kind": "status_lost", "count": 1},
		{"kind": "stale_ps_snapshot", "count": 1}, {"kind": "bad_row", "package_id": "x"}]}`)
	if sc.Name != "test" || sc.Duration != DefaultDuration {
		t.Fatalf("name %q duration %s", sc.Name, sc.Duration)
	}
	for i, want := range []int{1, 1, 1, 4, 1, 0} {
		if got := sc.Faults[i].Packages; got != want {
			t.Errorf("faults[%d] %s: packages %d, want %d", i, sc.Faults[i].Kind, got, want)
		}
	}
	if sc.Faults[5].Count != 1 {
		t.Errorf("bad_row count %d, want 1", sc.Faults[5].Count)
	}
}

func TestLoadScenario(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mixed.json")
	if err := os.WriteFile(path, []byte(designExample), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := Load(path)
	if err != nil || sc.Name != "mixed-faults" {
		t.Fatalf("Load: %v %v", sc, err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Fatal("missing file: no error")
	}
}

func TestBuiltin(t *testing.T) {
	tests := []struct {
		name    string
		servers int
		faults  int
		err     string
	}{
		{"demo", 12, 11, ""},
		{"healthy", 4, 0, ""},
		{"chaos", 0, 0, `unknown built-in scenario "chaos" (known: demo, healthy)`},
	}
	for _, tc := range tests {
		sc, err := Builtin(tc.name)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %s", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || sc.Servers != tc.servers || len(sc.Faults) != tc.faults {
			t.Errorf("%s: %+v %v", tc.name, sc, err)
		}
	}
}

func TestServerName(t *testing.T) {
	tests := []struct {
		i, n int
		want string
	}{{0, 1, "PS001"}, {11, 12, "PS012"}, {998, 999, "PS999"}, {0, 1000, "PS0001"}, {1999, 2000, "PS2000"}, {0, 100000, "PS000001"}}
	for _, tc := range tests {
		if got := ServerName(tc.i, tc.n); got != tc.want {
			t.Errorf("ServerName(%d, %d) = %s, want %s", tc.i, tc.n, got, tc.want)
		}
		if i, ok := serverIndex(tc.want, tc.n); !ok || i != tc.i {
			t.Errorf("serverIndex(%s, %d) = %d %t", tc.want, tc.n, i, ok)
		}
	}
}
