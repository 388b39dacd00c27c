package itms

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/site/itms/internal/testpki"
)

// TestCAFile: a server whose certificate chains to the CA in ca_file is
// trusted; the same server is refused without it (the system's CAs do not
// know the private CA), and a ca_file with another CA is refused as well.
// Bad files are refused at start with their name.
func TestCAFile(t *testing.T) {
	ca, err := testpki.NewCA("corp test CA")
	if err != nil {
		t.Fatal(err)
	}
	other, err := testpki.NewCA("another CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, leafPEM, err := ca.Issue(string(testHost))
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeWinRMWithCert(t, okAnswer(t), cert)
	port := f.srv.Listener.Addr().(*net.TCPAddr).Port
	const caPath = "/etc/reconciler/winrm-ca.pem"
	open := func(t *testing.T, caFile string, content []byte) (*Site, error) {
		env := newTestEnv()
		if content != nil {
			env.files[caPath] = content
		}
		cfg := testConfig(port)
		cfg.WinRM.CAFile = caFile
		return Open(context.Background(), cfg, env.options())
	}
	for _, tc := range []struct {
		name    string
		caFile  string
		content []byte
		wantErr string
	}{
		{"the CA", caPath, ca.PEM, ""},
		{"the CA after the leaf", caPath, append(append([]byte{}, leafPEM...), ca.PEM...), ""},
		{"no ca_file", "", nil, "certificate signed by unknown authority"},
		{"another CA", caPath, other.PEM, "certificate signed by unknown authority"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := open(t, tc.caFile, tc.content)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			err = s.Apply(context.Background(), resendAction)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Apply = %v, want %q", err, tc.wantErr)
			}
			if n := strings.Join(s.StartupNotes(), "\n"); tc.caFile != "" && !strings.Contains(n, "ca_file "+caPath) {
				t.Errorf("notes %q", n)
			}
		})
	}
	for _, tc := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"missing", nil, "ca_file: open " + caPath},
		{"empty", []byte("\n"), "ca_file " + caPath + ": no PEM certificate in it"},
		{"a key", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), `ca_file ` + caPath + `: PEM block 1 is a "PRIVATE KEY", not a CERTIFICATE`},
		{"a broken certificate", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), "ca_file " + caPath + ": certificate 1: "},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			if _, err := open(t, caPath, tc.content); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v, want %q", err, tc.want)
			}
		})
	}
}
