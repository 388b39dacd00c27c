package itms

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

// testHost is the name every test server answers to: the httptest
// certificate is issued for 127.0.0.1, so TLS is verified for real.
const testHost vocab.Host = "127.0.0.1"

// credCommandPath is the admin's credential command in the test file set.
const credCommandPath = "/etc/reconciler/set-credential.ps1"

const credCommandText = "param([string]$Verb, [string]$Mode, [string]$Account)\n# test double of an admin's command\n"

// testEnv is the environment and files a test site reads.
type testEnv struct {
	vars  map[string]string
	files map[string][]byte
	logs  logBuffer
}

func newTestEnv() *testEnv {
	return &testEnv{
		vars: map[string]string{
			"TEST_DSN":      urlDSN("database=Symantec_CMDB&encrypt=strict"),
			"TEST_USER":     `CORP\svc-reconciler`,
			"TEST_PASSWORD": sentinel,
		},
		files: map[string][]byte{credCommandPath: []byte(credCommandText)},
	}
}

func (e *testEnv) options() Options {
	return Options{
		Getenv: func(k string) string { return e.vars[k] },
		ReadFile: func(p string) ([]byte, error) {
			if b, ok := e.files[p]; ok {
				return b, nil
			}
			return nil, &os.PathError{Op: "open", Path: p, Err: os.ErrNotExist}
		},
		Logger: e.logs.logger(),
	}
}

// testConfig is a complete site "itms" block with KB defaults, the WinRM
// port of a test server, and the credential command set.
func testConfig(port int) policy.ITMSSite {
	return policy.ITMSSite{
		CMDB: policy.SQLConfig{DSNEnv: "TEST_DSN", ConnectTimeout: 5 * time.Second, QueryTimeout: time.Minute},
		NS: policy.NSConfig{Host: testHost, SnapshotsDir: `C:\ProgramData\Symantec\SMP\Snapshots`,
			CredentialCommand: credCommandPath, DistributionPointUpdate: true, RefreshWait: 40 * time.Second},
		WinRM: policy.WinRMConfig{Port: port, HTTPS: true, Auth: "ntlm", UserEnv: "TEST_USER",
			PasswordEnv: "TEST_PASSWORD", Timeout: time.Minute},
		Agent: policy.AgentPaths{
			Logs:            `C:\ProgramData\Symantec\Symantec Agent\Logs`,
			ClientPolicies:  `C:\Program Files\Altiris\Altiris Agent\Client Policies`,
			GrantRights:     "full_control",
			GrantMaxEntries: 20000,
			UpdateWait:      40 * time.Second,
		},
	}
}

// openAgainst opens a site whose WinRM calls go to f, trusting its
// certificate and nothing else.
func openAgainst(t *testing.T, f *fakeWinRM, env *testEnv, mutate ...func(*Options)) *Site {
	t.Helper()
	port := f.srv.Listener.Addr().(*net.TCPAddr).Port
	opt := env.options()
	opt.rootCAs = x509.NewCertPool()
	opt.rootCAs.AddCert(f.srv.Certificate())
	for _, m := range mutate {
		m(&opt)
	}
	s, err := Open(context.Background(), testConfig(port), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// reply renders a script reply.
func reply(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// nsSettingReply is observe_credential's answer for the policy's setting.
func nsSettingReply(t *testing.T) string {
	return reply(t, map[string]any{"ok": true, "mode": "acc", "account": `CORP\svc-itms-acc`, "policy_version": "1714557600"})
}

// okAnswer answers every script ok, observe_credential with the NS
// setting, and locate_agent and observe_agent with the recorded replies.
func okAnswer(t *testing.T) func(sentScript) (string, int) {
	return func(s sentScript) (string, int) {
		switch op(s.Op) {
		case opObserveCredential:
			return nsSettingReply(t), 0
		case opLocateAgent, opObserveAgent:
			return recorded(t, s.Op), 0
		}
		return `{"ok":true}`, 0
	}
}

// recorded is a reply in testdata/replies (see its README).
func recorded(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "replies", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// securityNotes are a site's start-up notes less those that name the
// driver's guesses (guessNotes), which every site has.
func securityNotes(s *Site) []string {
	guesses := guessNotes(s.cfg)
	return slices.DeleteFunc(s.StartupNotes(), func(n string) bool { return slices.Contains(guesses, n) })
}
