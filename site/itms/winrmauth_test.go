package itms

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ntlmssp "github.com/Azure/go-ntlmssp"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/itms/internal/testpki"
	"github.com/itms-tools/reconciler/vocab"
	"github.com/jcmturner/goidentity/v6"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/spnego"
)

const (
	krbRealm    = "CORP.EXAMPLE"
	krbConfPath = "/etc/reconciler/krb5.conf"
	keytabPath  = "/etc/reconciler/svc-reconciler.keytab"
)

// minimalKrb5Conf names a KDC for CORP.EXAMPLE (never contacted).
const minimalKrb5Conf = `[libdefaults]
  default_realm = CORP.EXAMPLE
  dns_lookup_kdc = false
[realms]
  CORP.EXAMPLE = {
    kdc = kdc01.corp.example:88
  }
`

// userKeytab is a keytab for svc-reconciler@CORP.EXAMPLE.
func userKeytab(t *testing.T, user string) []byte {
	t.Helper()
	kt := keytab.New()
	if err := kt.AddEntry(user, krbRealm, sentinel, time.Now(), 1, kdcEtype); err != nil {
		t.Fatal(err)
	}
	b, err := kt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func kerberosConfig(mutate func(*policy.WinRMConfig)) policy.WinRMConfig {
	c := testConfig(5986).WinRM
	c.Auth, c.Krb5Conf = "kerberos", krbConfPath
	if mutate != nil {
		mutate(&c)
	}
	return c
}

// TestKerberosConfig covers the settings Kerberos reads at start: the
// krb5.conf, the realm, the keytab; errors name the file.
func TestKerberosConfig(t *testing.T) {
	tests := []struct {
		name          string
		user          string
		files         map[string][]byte
		mutate        func(*policy.WinRMConfig)
		wantErr       string
		wantPrincipal string
		wantHow       string
	}{
		{"password, realm from krb5.conf", `CORP\svc-reconciler`, map[string][]byte{krbConfPath: []byte(minimalKrb5Conf)}, nil,
			"", "svc-reconciler@CORP.EXAMPLE", "password"},
		{"user@realm", "svc-reconciler@corp.example", map[string][]byte{krbConfPath: []byte(minimalKrb5Conf)}, nil,
			"", "svc-reconciler@CORP.EXAMPLE", "password"},
		{"keytab", "svc-reconciler", map[string][]byte{krbConfPath: []byte(minimalKrb5Conf), keytabPath: userKeytab(t, "svc-reconciler")},
			func(c *policy.WinRMConfig) { c.Keytab, c.PasswordEnv = keytabPath, "UNSET" }, "", "svc-reconciler@CORP.EXAMPLE", "keytab " + keytabPath},
		{"no krb5.conf", "svc-reconciler", nil, nil, "kerberos: krb5_conf: open " + krbConfPath, "", ""},
		{"krb5.conf not parsable", "svc-reconciler", map[string][]byte{krbConfPath: []byte("[libdefaults]\n  ticket_lifetime = a while\n")}, nil,
			"kerberos: krb5_conf " + krbConfPath + ": error processing libdefaults section", "", ""},
		{"no realm anywhere", "svc-reconciler", map[string][]byte{krbConfPath: []byte("[libdefaults]\n  dns_lookup_kdc = false\n")}, nil,
			"no realm", "", ""},
		{"no KDC for the realm", "svc-reconciler", map[string][]byte{krbConfPath: []byte(minimalKrb5Conf)},
			func(c *policy.WinRMConfig) { c.Realm = "OTHER.EXAMPLE" }, "no kdc for realm OTHER.EXAMPLE", "", ""},
		{"realms disagree", "svc@CORP.EXAMPLE", map[string][]byte{krbConfPath: []byte(minimalKrb5Conf)},
			func(c *policy.WinRMConfig) { c.Realm = "OTHER.EXAMPLE" }, "names realm CORP.EXAMPLE but the policy's realm is OTHER.EXAMPLE", "", ""},
		{"keytab missing", "svc-reconciler", map[string][]byte{krbConfPath: []byte(minimalKrb5Conf)},
			func(c *policy.WinRMConfig) { c.Keytab = keytabPath }, "kerberos: keytab: open " + keytabPath, "", ""},
		{"keytab garbage", "svc-reconciler", map[string][]byte{krbConfPath: []byte(minimalKrb5Conf), keytabPath: []byte("not a keytab")},
			func(c *policy.WinRMConfig) { c.Keytab = keytabPath }, "kerberos: keytab " + keytabPath + ": not a keytab", "", ""},
		{"keytab for someone else", "svc-reconciler", map[string][]byte{krbConfPath: []byte(minimalKrb5Conf), keytabPath: userKeytab(t, "other")},
			func(c *policy.WinRMConfig) { c.Keytab = keytabPath }, "holds no key for svc-reconciler@CORP.EXAMPLE", "", ""},
		{"no password without keytab", "svc-reconciler", map[string][]byte{krbConfPath: []byte(minimalKrb5Conf)},
			func(c *policy.WinRMConfig) { c.PasswordEnv = "UNSET" }, "WinRM password: environment variable UNSET is not set", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv()
			env.vars["TEST_USER"] = tc.user
			for p, b := range tc.files {
				env.files[p] = b
			}
			ws, notes, _, err := openWinRM(kerberosConfig(tc.mutate), env.options())
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
			a, ok := ws.current().auth.(*kerberosAuth)
			if !ok || a.principal != tc.wantPrincipal {
				t.Fatalf("auth %#v, want Kerberos as %s", ws.current().auth, tc.wantPrincipal)
			}
			want := "WinRM auth: Kerberos as " + tc.wantPrincipal + " (" + tc.wantHow + ", krb5.conf " + krbConfPath + "), SPN HTTP/<host>"
			if !slices.Contains(notes, want) {
				t.Errorf("notes %q lack %q", notes, want)
			}
		})
	}
}

func TestSPN(t *testing.T) {
	for host, want := range map[vocab.Host]string{
		"PS001.corp.example": "HTTP/ps001.corp.example",
		"ps002":              "HTTP/ps002",
		"127.0.0.1":          "HTTP/127.0.0.1",
	} {
		if got := spnFor(host); got != want {
			t.Errorf("spnFor(%s) = %s, want %s", host, got, want)
		}
	}
}

// TestTransportSelected: NTLM goes through go-ntlmssp's negotiator above
// the Basic guard; Kerberos through the Basic guard alone (SPNEGO sets
// its own header); neither can send Basic credentials.
func TestTransportSelected(t *testing.T) {
	env := newTestEnv()
	env.files[krbConfPath] = []byte(minimalKrb5Conf)
	for _, auth := range []string{"ntlm", "kerberos"} {
		ws, _, _, err := openWinRM(kerberosConfig(func(c *policy.WinRMConfig) { c.Auth = auth }), env.options())
		if err != nil {
			t.Fatal(err)
		}
		a := ws.current().auth
		rt := a.roundTripper(&wireWatch{next: http.DefaultTransport})
		switch auth {
		case "ntlm":
			n, ok := rt.(ntlmssp.Negotiator)
			if _, guarded := n.RoundTripper.(*wireWatch); !ok || !guarded {
				t.Errorf("ntlm: round tripper %T", rt)
			}
		case "kerberos":
			if _, ok := rt.(*wireWatch); !ok {
				t.Errorf("kerberos: round tripper %T", rt)
			}
		}
		// A server that offers only Basic: go-ntlmssp before v0.1.1 would
		// resend the request with the Basic header (v0.1.1 returns the 401
		// unless AllowBasicAuth is set); below it, the guard refuses a Basic
		// header, as Kerberos shows (set as if by something else).
		var sent []string
		basicOnly := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			sent = append(sent, r.Header.Get("Authorization"))
			h := http.Header{"Www-Authenticate": {`Basic realm="WSMAN"`}}
			return &http.Response{StatusCode: http.StatusUnauthorized, Header: h, Body: http.NoBody, Request: r}, nil
		})
		req, _ := http.NewRequest(http.MethodPost, "https://ps001/wsman", strings.NewReader("envelope"))
		if err := a.authorize(req, "ps001"); err != nil && auth == "ntlm" {
			t.Fatal(err)
		}
		if auth == "kerberos" {
			req.SetBasicAuth("u", "p") // as if something had set it
		}
		resp, err := a.roundTripper(&wireWatch{next: basicOnly}).RoundTrip(req)
		if resp != nil {
			resp.Body.Close()
		}
		switch {
		case auth == "ntlm" && (err != nil || resp.StatusCode != http.StatusUnauthorized):
			t.Errorf("ntlm: err = %v, want the server's 401 handed back", err)
		case auth == "kerberos" && !errors.Is(err, errBasicRefused):
			t.Errorf("kerberos: err = %v, want the Basic refusal", err)
		}
		for _, a := range sent {
			if strings.HasPrefix(strings.ToLower(a), "basic ") {
				t.Errorf("%s: Basic credentials reached the network", auth)
			}
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// kerberosSite opens a site whose WinRM calls go to f over TLS with a
// private CA (ca_file) and Kerberos against kdc, as user.
func kerberosSite(t *testing.T, f *fakeWinRM, ca []byte, kdc *fakeKDC, user string) *Site {
	t.Helper()
	env := newTestEnv()
	env.vars["TEST_USER"] = user
	env.files[krbConfPath] = []byte(kdc.krb5Conf())
	env.files["/etc/reconciler/winrm-ca.pem"] = ca
	cfg := testConfig(f.srv.Listener.Addr().(*net.TCPAddr).Port)
	cfg.WinRM.Auth, cfg.WinRM.Krb5Conf, cfg.WinRM.CAFile = "kerberos", krbConfPath, "/etc/reconciler/winrm-ca.pem"
	s, err := Open(context.Background(), cfg, env.options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// spnegoGate makes f check every request's Kerberos ticket with gokrb5's
// SPNEGO service (the server's keytab kt), recording who was authenticated.
func spnegoGate(f *fakeWinRM, kt *keytab.Keytab) *[]string {
	var mu sync.Mutex
	var who []string
	f.auth = func(w http.ResponseWriter, r *http.Request) bool {
		ok := false
		inner := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			id := goidentity.FromHTTPRequestContext(r)
			mu.Lock()
			who = append(who, id.UserName()+"@"+id.Domain())
			mu.Unlock()
			ok = true
		})
		spnego.SPNEGOKRB5Authenticate(inner, kt).ServeHTTP(w, r)
		return ok
	}
	return &who
}

// TestKerberosAgainstAFakeKDC runs scripts with Kerberos end to end, in
// process: gokrb5's client gets a TGT and a service ticket for
// HTTP/127.0.0.1 from a fake KDC, and the WS-Management server checks each
// request's AP-REQ with gokrb5's SPNEGO service and the service's keytab,
// over TLS with a private CA given as ca_file. No domain controller is
// involved: what a real one adds (PAC, pre-authentication, referrals) is
// not tested.
func TestKerberosAgainstAFakeKDC(t *testing.T) {
	ca, err := testpki.NewCA("corp test CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := ca.Issue(string(testHost))
	if err != nil {
		t.Fatal(err)
	}
	kdc := newFakeKDC(t, krbRealm)
	kdc.users["svc-reconciler"] = sentinel
	kdc.users["locked"] = "not the password the reconciler has"
	kt := kdc.addService(spnFor(testHost))

	f := newFakeWinRMWithCert(t, okAnswer(t), cert)
	who := spnegoGate(f, kt)
	s := kerberosSite(t, f, ca.PEM, kdc, `CORP\svc-reconciler`)
	ctx := context.Background()
	for range 2 {
		if err := s.Apply(ctx, resendAction); err != nil {
			t.Fatal(err)
		}
	}
	// One login (an AS-REQ, KDC_ERR_PREAUTH_REQUIRED, the AS-REQ with the
	// encrypted timestamp) and one service ticket, both cached for the
	// eight requests of the two runs.
	if got, want := kdc.requests(), []string{"AS svc-reconciler@" + krbRealm, "AS svc-reconciler@" + krbRealm, "TGS HTTP/127.0.0.1"}; !slices.Equal(got, want) {
		t.Errorf("KDC requests %q, want %q", got, want)
	}
	if len(*who) < 4 || (*who)[0] != "svc-reconciler@"+krbRealm {
		t.Errorf("authenticated %q", *who)
	}
	for _, a := range f.authSeen {
		if !strings.HasPrefix(a, "Negotiate ") {
			t.Errorf("a request carried %.20q, want a Negotiate token", a)
		}
	}

	t.Run("wrong password is an AuthError", func(t *testing.T) {
		f := newFakeWinRMWithCert(t, okAnswer(t), cert)
		spnegoGate(f, kt)
		err := kerberosSite(t, f, ca.PEM, kdc, "locked").Apply(ctx, resendAction)
		if got := kdc.requests(); len(got) < 2 || got[len(got)-1] != "AS locked@"+krbRealm {
			t.Errorf("KDC requests %q: want a second AS-REQ, with the encrypted timestamp", got)
		}
		var auth *failure.AuthError
		if !errors.As(err, &auth) || !strings.Contains(err.Error(), "KDC_ERR_PREAUTH_FAILED") ||
			auth.Login.Source != "winrm" || auth.Login.User != "locked" {
			t.Fatalf("err = %v, want an AuthError naming KDC_ERR_PREAUTH_FAILED", err)
		}
		if len(f.actions) != 0 {
			t.Errorf("requests went out: %q", f.actions)
		}
	})
	t.Run("unknown user is an AuthError", func(t *testing.T) {
		f := newFakeWinRMWithCert(t, okAnswer(t), cert)
		err := kerberosSite(t, f, ca.PEM, kdc, "nobody").Apply(ctx, resendAction)
		if c, _ := failure.Classify(err); c != failure.Terminal || !strings.Contains(err.Error(), "KDC_ERR_C_PRINCIPAL_UNKNOWN") {
			t.Fatalf("err = %v (%v)", err, c)
		}
		if l, ok := failure.AuthOf(err); !ok || l.User != "nobody" {
			t.Errorf("err = %v names login %+v, %v", err, l, ok)
		}
	})
	t.Run("unknown SPN is terminal", func(t *testing.T) {
		other := newFakeKDC(t, krbRealm)
		other.users["svc-reconciler"] = sentinel
		f := newFakeWinRMWithCert(t, okAnswer(t), cert)
		err := kerberosSite(t, f, ca.PEM, other, "svc-reconciler").Apply(ctx, resendAction)
		var auth *failure.AuthError
		if c, _ := failure.Classify(err); c != failure.Terminal || errors.As(err, &auth) ||
			!strings.Contains(err.Error(), "KDC_ERR_S_PRINCIPAL_UNKNOWN") || !strings.Contains(err.Error(), "HTTP/127.0.0.1") {
			t.Fatalf("err = %v (%v)", err, c)
		}
	})
	t.Run("server refuses the ticket: 401 is an AuthError", func(t *testing.T) {
		f := newFakeWinRMWithCert(t, okAnswer(t), cert)
		f.auth = func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("WWW-Authenticate", "Negotiate")
			w.WriteHeader(http.StatusUnauthorized)
			return false
		}
		err := kerberosSite(t, f, ca.PEM, kdc, "svc-reconciler").Apply(ctx, resendAction)
		var auth *failure.AuthError
		if !errors.As(err, &auth) || !strings.Contains(err.Error(), "HTTP 401") || auth.Login.Source != "winrm" {
			t.Fatalf("err = %v", err)
		}
	})
}

// newFakeWinRMWithCert is newFakeWinRM serving cert.
func newFakeWinRMWithCert(t *testing.T, answer func(sentScript) (string, int), cert tls.Certificate) *fakeWinRM {
	return newFakeWinRMTLS(t, answer, &tls.Config{Certificates: []tls.Certificate{cert}})
}
