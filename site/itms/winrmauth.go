package itms

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	ntlmssp "github.com/Azure/go-ntlmssp"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/vocab"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/spnego"
)

// wsAuth authenticates WS-Management requests. Whatever the scheme, the
// credentials never leave as Basic authentication (the wireWatch sits
// below it).
type wsAuth interface {
	// roundTripper wraps wire, the network behind its watch, for one
	// script run.
	roundTripper(wire *wireWatch) http.RoundTripper
	// authorize sets the credentials for host on r.
	authorize(r *http.Request, host vocab.Host) error
	// hint says what to check after an HTTP 401.
	hint() string
}

// ntlmAuth is NTLM through go-ntlmssp's negotiator, which takes the
// credentials from the request's Basic header and turns them into an NTLM
// exchange on one connection.
type ntlmAuth struct{ user, password string }

func (a ntlmAuth) roundTripper(wire *wireWatch) http.RoundTripper {
	return ntlmssp.Negotiator{RoundTripper: wire}
}

func (a ntlmAuth) authorize(r *http.Request, _ vocab.Host) error {
	r.SetBasicAuth(a.user, a.password)
	return nil
}

func (a ntlmAuth) hint() string {
	return "check the WinRM user and password and that the server accepts NTLM (Negotiate)"
}

// kerberosAuth is Kerberos through SPNEGO (HTTP "Negotiate") with
// jcmturner/gokrb5: one client for the process, which logs in to the KDC
// once, caches the service tickets and renews them. Every request carries
// a fresh AP-REQ for the host's SPN (spnFor). gokrb5's KDC exchanges take
// no context: each KDC is tried with its own 5 s dial timeout.
type kerberosAuth struct {
	cl        *client.Client
	principal string        // user@REALM, for messages
	secret    string        // the password or the keytab's bytes: what login's fingerprint is of
	login     failure.Login // named by the refusals of the KDC
}

func (a *kerberosAuth) roundTripper(wire *wireWatch) http.RoundTripper { return wire }

func (a *kerberosAuth) authorize(r *http.Request, host vocab.Host) error {
	if err := a.cl.AffirmLogin(); err != nil {
		return kerberosError("Kerberos login as "+a.principal, err, a.login)
	}
	if err := spnego.SetSPNEGOHeader(a.cl, r, spnFor(host)); err != nil {
		return kerberosError("Kerberos service ticket for "+spnFor(host), err, a.login)
	}
	return nil
}

func (a *kerberosAuth) hint() string {
	return "the server refused the Kerberos ticket of " + a.principal + ": check the SPN, the account's rights and the clocks"
}

// spnFor is the service principal WinRM answers to on host: HTTP/ and the
// host name as the policy and the CMDB spell it (the Windows WinRM client
// uses the HTTP service class too). It is computed here, never from a DNS
// CNAME answer as gokrb5 would by default.
func spnFor(host vocab.Host) string { return "HTTP/" + strings.ToLower(string(host)) }

// kerberosError classifies a gokrb5 error by the KDC error it names:
// refused credentials are a failure.AuthError naming l (terminal:
// retrying counts against the lockout threshold; the controller stops
// every call with them), an unknown SPN or a clock skew are terminal
// (configuration), anything else (an unreachable KDC) transient. gokrb5
// flattens KDC errors into text, so the codes are matched there.
func kerberosError(what string, err error, l failure.Login) error {
	msg := err.Error()
	wrapped := fmt.Errorf("%s: %w", what, err)
	for _, code := range []string{"KDC_ERR_PREAUTH_FAILED", "KDC_ERR_C_PRINCIPAL_UNKNOWN", "KDC_ERR_CLIENT_REVOKED",
		"KDC_ERR_KEY_EXPIRED", "password/keytab incorrect"} {
		if strings.Contains(msg, code) {
			return failure.MarkAuth(wrapped, l)
		}
	}
	for _, code := range []string{"KDC_ERR_S_PRINCIPAL_UNKNOWN", "KRB_AP_ERR_SKEW", "KDC_ERR_ETYPE_NOSUPP"} {
		if strings.Contains(msg, code) {
			return failure.MarkTerminal(wrapped)
		}
	}
	return wrapped
}

// kerberosSettings are what newKerberosAuth needs from the policy and
// the secrets.
type kerberosSettings struct {
	user, password string // password "" with a keytab
	realm          string // "" : from the user, else krb5.conf's default_realm
	krb5Conf       string
	keytab         string
}

// newKerberosAuth reads krb5.conf and the keytab (errors name the file,
// never its content) and prepares the client. It contacts no KDC.
func newKerberosAuth(s kerberosSettings, readFile func(string) ([]byte, error)) (*kerberosAuth, string, error) {
	b, err := readFile(s.krb5Conf)
	if err != nil {
		return nil, "", fmt.Errorf("krb5_conf: %w", err)
	}
	cfg, err := config.NewFromString(string(b))
	if err != nil {
		return nil, "", fmt.Errorf("krb5_conf %s: %w", s.krb5Conf, err)
	}
	user, realm, err := kerberosPrincipal(s.user, s.realm, cfg.LibDefaults.DefaultRealm)
	if err != nil {
		return nil, "", err
	}
	if !cfg.LibDefaults.DNSLookupKDC && !hasKDC(cfg, realm) {
		return nil, "", fmt.Errorf("krb5_conf %s: no kdc for realm %s in [realms], and dns_lookup_kdc is off", s.krb5Conf, realm)
	}
	principal := user + "@" + realm
	settings := []func(*client.Settings){client.DisablePAFXFAST(true)} // Active Directory does not offer FAST
	if s.keytab == "" {
		cl := client.NewWithPassword(user, realm, s.password, cfg, settings...)
		return &kerberosAuth{cl: cl, principal: principal, secret: s.password}, "password", nil
	}
	kb, err := readFile(s.keytab)
	if err != nil {
		return nil, "", fmt.Errorf("keytab: %w", err)
	}
	kt := keytab.New()
	if err := kt.Unmarshal(kb); err != nil {
		return nil, "", fmt.Errorf("keytab %s: not a keytab: %w", s.keytab, err)
	}
	if !keytabHolds(kt, user, realm) {
		return nil, "", fmt.Errorf("keytab %s holds no key for %s", s.keytab, principal)
	}
	cl := client.NewWithKeytab(user, realm, kt, cfg, settings...)
	return &kerberosAuth{cl: cl, principal: principal, secret: string(kb)}, "keytab " + s.keytab, nil
}

// kerberosPrincipal splits the WinRM user into a Kerberos user and realm:
// "user@REALM" names its realm; "DOMAIN\user" and "user" take the policy's
// realm, else krb5.conf's default_realm. A realm in the policy wins over
// the user's only if they agree.
func kerberosPrincipal(user, policyRealm, defaultRealm string) (string, string, error) {
	realm := policyRealm
	if i := strings.LastIndexByte(user, '@'); i >= 0 {
		u, r := user[:i], user[i+1:]
		if policyRealm != "" && !strings.EqualFold(r, policyRealm) {
			return "", "", fmt.Errorf("WinRM user %q names realm %s but the policy's realm is %s", user, r, policyRealm)
		}
		user, realm = u, strings.ToUpper(r)
	} else if i := strings.IndexByte(user, '\\'); i >= 0 {
		user = user[i+1:] // the NetBIOS domain is not the realm
	}
	if realm == "" {
		realm = defaultRealm
	}
	switch {
	case user == "":
		return "", "", errors.New("WinRM user: no user name for Kerberos")
	case realm == "":
		return "", "", errors.New(`kerberos: no realm: set winrm { realm = "CORP.EXAMPLE" }, a user as user@REALM, or default_realm in krb5.conf`)
	}
	return user, realm, nil
}

// hasKDC reports whether cfg names a KDC for realm (gokrb5 matches realms
// case-sensitively).
func hasKDC(cfg *config.Config, realm string) bool {
	for _, r := range cfg.Realms {
		if r.Realm == realm && len(r.KDC) > 0 {
			return true
		}
	}
	return false
}

// keytabHolds reports whether kt has a key for user@realm.
func keytabHolds(kt *keytab.Keytab, user, realm string) bool {
	for _, e := range kt.Entries {
		if strings.EqualFold(e.Principal.Realm, realm) && strings.EqualFold(strings.Join(e.Principal.Components, "/"), user) {
			return true
		}
	}
	return false
}
