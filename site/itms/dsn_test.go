package itms

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/itms/internal/testpki"
	"github.com/microsoft/go-mssqldb/msdsn"
)

// urlDSN builds a URL DSN with the sentinel password and the given query.
func urlDSN(query string) string {
	u := url.URL{Scheme: "sqlserver", User: url.UserPassword("svc-reader", sentinel), Host: "sql01.corp.example:1433", RawQuery: query}
	return u.String()
}

func TestParseDSNEncryption(t *testing.T) {
	tests := []struct {
		name     string
		dsn      string
		allow    bool
		wantEnc  msdsn.Encryption
		wantErr  string
		wantNote string
	}{
		{"encrypt absent is forced on", urlDSN("database=Symantec_CMDB"), false, msdsn.EncryptionRequired, "", ""},
		{"strict", urlDSN("database=Symantec_CMDB&encrypt=strict"), false, msdsn.EncryptionStrict, "", ""},
		{"true", urlDSN("database=Symantec_CMDB&encrypt=true"), false, msdsn.EncryptionRequired, "", ""},
		{"ADO form", "server=sql01;user id=svc-reader;password=" + sentinel + ";database=Symantec_CMDB;encrypt=true", false, msdsn.EncryptionRequired, "", ""},
		{"ODBC form", "odbc:server=sql01;uid=svc-reader;pwd={" + sentinel + "};database=Symantec_CMDB", false, msdsn.EncryptionRequired, "", ""},
		{"disable refused", urlDSN("database=Symantec_CMDB&encrypt=disable"), false, 0, "allow_insecure", ""},
		{"false refused", urlDSN("database=Symantec_CMDB&encrypt=false"), false, 0, "encrypt=false", ""},
		{"optional refused", urlDSN("database=Symantec_CMDB&encrypt=optional"), false, 0, "encrypt=optional", ""},
		{"trust refused", urlDSN("database=Symantec_CMDB&encrypt=true&TrustServerCertificate=true"), false, 0, "TrustServerCertificate=true", ""},
		{"trust without encrypt refused", urlDSN("database=Symantec_CMDB&TrustServerCertificate=true"), false, 0, "TrustServerCertificate=true", ""},
		{"trust false kept", urlDSN("database=Symantec_CMDB&TrustServerCertificate=false"), false, msdsn.EncryptionRequired, "", ""},
		{"disable allowed and noted", urlDSN("database=Symantec_CMDB&encrypt=disable"), true, msdsn.EncryptionDisabled, "", "not encrypted (encrypt=disable)"},
		{"trust allowed and noted", urlDSN("database=Symantec_CMDB&encrypt=true&TrustServerCertificate=true"), true, msdsn.EncryptionRequired, "", "certificate not verified"},
		{"no database", urlDSN("encrypt=strict"), false, 0, "names no database", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseDSN(tc.dsn, policy.SQLConfig{AllowInsecure: tc.allow, ConnectTimeout: 5 * time.Second})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				assertNoSentinel(t, err.Error())
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.read.Encryption != tc.wantEnc {
				t.Errorf("encryption = %v, want %v", s.read.Encryption, tc.wantEnc)
			}
			if tc.wantEnc != msdsn.EncryptionDisabled && !tc.allow && (s.read.TLSConfig == nil || s.read.TLSConfig.InsecureSkipVerify) {
				t.Errorf("TLS config does not verify the server: %+v", s.read.TLSConfig)
			}
			notes := strings.Join(s.notes, "\n")
			if want := map[bool]int{true: 1, false: 2}[tc.wantNote == ""]; len(s.notes) != want || !strings.Contains(notes, tc.wantNote) {
				t.Errorf("notes = %q, want %q and the TLS note", notes, tc.wantNote)
			}
			if !strings.HasPrefix(s.notes[len(s.notes)-1], "CMDB TLS: ") {
				t.Errorf("last note %q is not the TLS note", s.notes[len(s.notes)-1])
			}
			assertNoSentinel(t, notes)
		})
	}
}

func TestParseDSNConnections(t *testing.T) {
	s, err := parseDSN(urlDSN("database=Symantec_CMDB&app+name=other&ApplicationIntent=ReadWrite"),
		policy.SQLConfig{ConnectTimeout: 7 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if s.read.ReadOnlyIntent || s.lock.ReadOnlyIntent {
		t.Errorf("read-only intent: read %v, lock %v; want both false (the primary)", s.read.ReadOnlyIntent, s.lock.ReadOnlyIntent)
	}
	if s.read.AppName != "reconciler" || s.lock.AppName != "reconciler" {
		t.Errorf("app names %q, %q", s.read.AppName, s.lock.AppName)
	}
	if s.read.DialTimeout != 7*time.Second {
		t.Errorf("dial timeout %v", s.read.DialTimeout)
	}
	for _, want := range []string{sentinel, "Zq7-SENTINEL-p%40ss"} {
		if !slices.Contains(s.secrets, want) {
			t.Errorf("secrets %q lack %q", s.secrets, want)
		}
	}
}

func TestParseDSNErrorsHideThePassword(t *testing.T) {
	dsns := []string{
		"sqlserver://svc-reader:" + sentinel + "@sql01:notaport?database=x",
		"sqlserver://svc-reader:" + url.QueryEscape(sentinel) + "@sql01?database=x&encrypt=maybe",
		"sqlserver://svc-reader:" + url.QueryEscape(sentinel) + "@sql01?database=x&database=y",
		"server=sql01;password=" + sentinel + ";port=abc",
		"server=sql01;password=" + sentinel + ";encrypt=maybe;database=x",
		"server=sql01;pwd=" + sentinel + ";connection timeout=" + sentinel,
		"odbc:server=sql01;pwd={" + sentinel,
		"odbc:server=sql01;pwd=" + sentinel + ";encrypt={" + sentinel + "}",
		"mysql://svc:" + sentinel + "@host/db",
	}
	for _, d := range dsns {
		_, err := parseDSN(d, policy.SQLConfig{})
		if err == nil {
			t.Errorf("%q parsed", d)
			continue
		}
		assertNoSentinel(t, err.Error())
	}
}

// TestParseDSNRefuses covers settings that would make the read wrong
// rather than insecure: no allow_insecure accepts them.
func TestParseDSNRefuses(t *testing.T) {
	tests := []struct{ name, dsn, want string }{
		{"guid conversion", urlDSN("database=Symantec_CMDB&guid+conversion=true"), `"guid conversion=true"`},
		{"guid conversion, ADO form", "server=sql01;user id=svc-reader;password=" + sentinel + ";database=Symantec_CMDB;guid conversion=1", "guid conversion"},
		{"read-only intent", urlDSN("database=Symantec_CMDB&ApplicationIntent=ReadOnly"), "ApplicationIntent=ReadOnly"},
		{"read-only intent, ADO form", "server=sql01;password=" + sentinel + ";database=Symantec_CMDB;ApplicationIntent=ReadOnly", "secondary replica"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseDSN(tc.dsn, policy.SQLConfig{AllowInsecure: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			assertNoSentinel(t, err.Error())
		})
	}
	if _, err := parseDSN(urlDSN("database=Symantec_CMDB&guid+conversion=false"), policy.SQLConfig{}); err != nil {
		t.Errorf("guid conversion=false refused: %v", err)
	}
}

// TestTLSNote: the start-up note says how the certificate is checked and
// recommends pinning where nothing is pinned.
func TestTLSNote(t *testing.T) {
	dir := t.TempDir()
	ca := writeTestCA(t, dir)
	tests := []struct{ name, query, want string }{
		{"system roots", "database=Symantec_CMDB", `encrypt=true (TDS 7.4: TLS inside the TDS login), server certificate checked against the system's trusted CAs for host "sql01.corp.example"; pinning it`},
		{"strict", "database=Symantec_CMDB&encrypt=strict", "encrypt=strict (TDS 8.0: TLS first; needs SQL Server 2022 or later)"},
		{"CA file", "database=Symantec_CMDB&encrypt=true&certificate=" + ca, "checked against the CA in " + ca + ` for host "sql01.corp.example"`},
		{"host in certificate", "database=Symantec_CMDB&hostNameInCertificate=sqlag.corp.example", `for host "sqlag.corp.example"`},
		{"pinned", "database=Symantec_CMDB&encrypt=true&serverCertificate=" + ca, "server certificate pinned to the one in " + ca},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseDSN(urlDSN(tc.query), policy.SQLConfig{})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(s.notes, "\n"); !strings.Contains(got, tc.want) {
				t.Errorf("notes %q lack %q", got, tc.want)
			}
		})
	}
}

// writeTestCA writes a throw-away CA certificate to dir and returns its path.
func writeTestCA(t *testing.T, dir string) string {
	t.Helper()
	ca, err := testpki.NewCA("reconciler test CA")
	if err != nil {
		t.Fatal(err)
	}
	path, err := ca.WriteFile(dir, "ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	return path
}
