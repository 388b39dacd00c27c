package itms

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
	mssql "github.com/microsoft/go-mssqldb"
)

// openCases are settings Open must refuse (wantErr) or accept and note.
var openCases = []struct {
	name    string
	dsn     string
	mutate  func(*policy.ITMSSite)
	wantErr string
	note    string
}{
	{"SQL encrypt=disable", urlDSN("database=Symantec_CMDB&encrypt=disable"), nil,
		"allow_insecure = true", ""},
	{"SQL encrypt=disable allowed", urlDSN("database=Symantec_CMDB&encrypt=disable"),
		func(c *policy.ITMSSite) { c.CMDB.AllowInsecure = true }, "", "CMDB connection not encrypted"},
	{"SQL TrustServerCertificate", urlDSN("database=Symantec_CMDB&TrustServerCertificate=true"), nil,
		"TrustServerCertificate=true", ""},
	{"SQL TrustServerCertificate allowed", urlDSN("database=Symantec_CMDB&TrustServerCertificate=true"),
		func(c *policy.ITMSSite) { c.CMDB.AllowInsecure = true }, "", "CMDB server certificate not verified"},
	{"WinRM plain HTTP", "", func(c *policy.ITMSSite) { c.WinRM.HTTPS = false },
		"https = false needs allow_http = true", ""},
	{"WinRM plain HTTP allowed", "", func(c *policy.ITMSSite) { c.WinRM.HTTPS, c.WinRM.AllowHTTP = false, true },
		"", "WinRM over plain HTTP by policy"},
	{"WinRM TLS verification off", "", func(c *policy.ITMSSite) { c.WinRM.InsecureSkipVerify = true },
		"", "WinRM TLS verification disabled by policy (insecure_skip_verify = true)"},
	{"Kerberos without krb5.conf", "", func(c *policy.ITMSSite) { c.WinRM.Auth, c.WinRM.Krb5Conf = "kerberos", "/etc/krb5.conf" },
		"kerberos: krb5_conf: open /etc/krb5.conf", ""},
	{"CA file missing", "", func(c *policy.ITMSSite) { c.WinRM.CAFile = "/etc/reconciler/ca.pem" }, "ca_file: open /etc/reconciler/ca.pem", ""},
	{"no WinRM user", "", func(c *policy.ITMSSite) { c.WinRM.UserEnv = "UNSET" }, `environment variable "UNSET" is not set`, ""},
	{"no password", "", func(c *policy.ITMSSite) { c.WinRM.PasswordEnv = "UNSET" }, "WinRM password: environment variable UNSET is not set", ""},
	{"password file missing", "", func(c *policy.ITMSSite) { c.WinRM.PasswordEnv, c.WinRM.PasswordFile = "", "/nope" }, "/nope", ""},
	{"no DSN", "", func(c *policy.ITMSSite) { c.CMDB.DSNEnv = "UNSET" }, "CMDB DSN: environment variable UNSET is not set", ""},
	{"credential command missing", "", func(c *policy.ITMSSite) { c.NS.CredentialCommand = "/nope.ps1" }, "credential_command", ""},
	{"UNC folder", "", func(c *policy.ITMSSite) { c.Agent.Logs = `\\fileserver\logs\agents` }, "UNC paths are refused", ""},
}

func TestOpenInsecureNeedsTheSwitch(t *testing.T) {
	for _, tc := range openCases {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv()
			if tc.dsn != "" {
				env.vars["TEST_DSN"] = tc.dsn
			}
			cfg := testConfig(5986)
			if tc.mutate != nil {
				tc.mutate(&cfg)
			}
			s, err := Open(context.Background(), cfg, env.options())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Open = %v, want %q", err, tc.wantErr)
				}
				assertNoSentinel(t, err.Error())
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			notes := strings.Join(s.StartupNotes(), "\n")
			if !strings.Contains(notes, tc.note) {
				t.Errorf("notes %q lack %q", notes, tc.note)
			}
			assertNoSentinel(t, notes)
			if !strings.Contains(env.logs.String(), tc.note) {
				t.Errorf("the note was not logged at start")
			}
		})
	}
}

func TestOpenSecureHasOnlyTheTLSAndCommandNotes(t *testing.T) {
	s := openOffline(t)
	notes := securityNotes(s)
	if len(notes) != 3 || notes[0] != `WinRM auth: NTLM as CORP\svc-reconciler` || !strings.HasPrefix(notes[1], "CMDB TLS: encrypt=strict") ||
		!strings.Contains(notes[2], "credential_command "+credCommandPath+" (sha256 ") {
		t.Errorf("notes %q", notes)
	}
	if !slices.Contains(s.Secrets(), sentinel) || !slices.Contains(s.Secrets(), "Zq7-SENTINEL-p%40ss") {
		t.Errorf("Secrets() lacks the passwords")
	}
	if l := s.Lock(); l == nil || !strings.Contains(l.String(), "sp_getapplock") {
		t.Errorf("Lock() = %v", l)
	}
}

// TestSecretsStayOut drives failures through every path that builds an
// error or a log line, including a server that echoes the password back,
// and checks that the password never shows.
func TestSecretsStayOut(t *testing.T) {
	env := newTestEnv()
	env.vars["TEST_DSN"] = "server=sql01;user id=svc-reader;password=" + sentinel + ";database=Symantec_CMDB;encrypt=strict"
	login := mssql.Error{Number: 18456, Message: "login error: Login failed for user 'svc-reader'."}
	_, read := newFakeSQL(t, sqlStep{contains: "AS PackageKnown", err: login})
	f := newFakeWinRM(t, func(sentScript) (string, int) {
		return `{"ok":false,"code":"exception","error":"bad password ` + sentinel + `"}`, 0
	})
	site := openAgainst(t, f, env, func(o *Options) { o.sqlRead = read })
	ctx := context.Background()
	var errs []error
	errs = append(errs, site.InQuestion(ctx, func(observed.RawRow) error { return nil }))
	errs = append(errs, site.Apply(ctx, resendAction))
	_, err := site.Setting(ctx)
	errs = append(errs, err)
	_, err = site.Snapshots(ctx, []vocab.GUID{pkgReady})
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d did not fail", i)
		}
		assertNoSentinel(t, err.Error())
	}
	if !strings.Contains(errs[1].Error(), "bad password [redacted]") {
		t.Errorf("echoed secret not scrubbed as expected: %v", errs[1])
	}
	if c, _ := failure.Classify(errs[0]); c != failure.Terminal {
		t.Errorf("login failure class %v", c)
	}
	assertNoSentinel(t, env.logs.String())
	assertNoSentinel(t, strings.Join(site.StartupNotes(), "\n"))
}
