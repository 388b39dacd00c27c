package siteopen

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/policy"
)

// Reliability test 10: transport safety, from policy text to an opened
// site. An unencrypted or unverified SQL connection and plain-HTTP WinRM
// are refused unless the policy says so explicitly, and then reported in
// the site's notes (which the daemon logs and journals at start). Driver
// level: site/itms TestOpenInsecureNeedsTheSwitch, TestParseDSNEncryption,
// TestWinRMVerifiesTLS; policy level: policy TestParseInvalid ("itms https false
// without allow_http").

const itmsPolicy = `
mode = "dry-run"
site "itms" {
  cmdb {
    dsn_env = "RECONCILER_CMDB_DSN"
    %s
  }
  ns {
    host = "ns01.corp.example"
  }
  winrm {
    %s
  }
}
credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}
`

func TestInsecureTransportsNeedTheSwitch(t *testing.T) {
	const dsn = "sqlserver://svc-reader:Zq7-SENTINEL-p%40ss@sql01.corp.example?database=Symantec_CMDB"
	tests := []struct {
		name     string
		dsnQuery string // appended to dsn
		cmdb     string // extra cmdb attributes
		winrm    string
		parseErr string // refused by the policy
		openErr  string // refused when the site opens
		note     string // accepted, with this note
	}{
		{name: "secure by default", note: ""},
		{name: "SQL encrypt=disable", dsnQuery: "&encrypt=disable", openErr: "allow_insecure = true"},
		{name: "SQL encrypt=disable allowed", dsnQuery: "&encrypt=disable", cmdb: "allow_insecure = true", note: "CMDB connection not encrypted"},
		{name: "SQL encrypt=false", dsnQuery: "&encrypt=false", openErr: "allow_insecure = true"},
		{name: "SQL TrustServerCertificate", dsnQuery: "&TrustServerCertificate=true", openErr: "TrustServerCertificate=true"},
		{name: "SQL TrustServerCertificate allowed", dsnQuery: "&TrustServerCertificate=true", cmdb: "allow_insecure = true", note: "CMDB server certificate not verified"},
		{name: "WinRM plain HTTP", winrm: "https = false", parseErr: "Plain HTTP needs allow_http"},
		{name: "WinRM plain HTTP allowed", winrm: "https = false\n    allow_http = true", note: "WinRM over plain HTTP by policy"},
		{name: "WinRM TLS verification off", winrm: "insecure_skip_verify = true", note: "WinRM TLS verification disabled by policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("RECONCILER_CMDB_DSN", dsn+tt.dsnQuery)
			t.Setenv("RECONCILER_WINRM_USER", `CORP\svc-reconciler`)
			t.Setenv("RECONCILER_WINRM_PASSWORD", "Zq7-SENTINEL-p@ss")
			src := []byte(strings.Replace(strings.Replace(itmsPolicy, "%s", tt.cmdb, 1), "%s", tt.winrm, 1))
			p, err := policy.Parse(src, filepath.Join(t.TempDir(), "policy.hcl"))
			if tt.parseErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.parseErr) {
					t.Fatalf("policy error %v, want %q", err, tt.parseErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o, err := Open(context.Background(), p, clock.NewFake(t0()), slog.New(slog.DiscardHandler))
			if tt.openErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.openErr) {
					t.Fatalf("Open = %v, want an error with %q", err, tt.openErr)
				}
				if strings.Contains(err.Error(), "SENTINEL") {
					t.Fatalf("the error holds the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			notes := strings.Join(o.Notes, "\n")
			if tt.note == "" && strings.Contains(notes, "insecure") || tt.note != "" && !strings.Contains(notes, tt.note) {
				t.Fatalf("notes %q, want %q", notes, tt.note)
			}
			if strings.Contains(notes, "SENTINEL") {
				t.Fatalf("a note holds the password: %q", notes)
			}
		})
	}
}

func t0() time.Time { return time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC) }
