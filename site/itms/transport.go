package itms

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/itms-tools/reconciler/failure"
)

// errBasicRefused is returned when a request would carry Basic
// credentials: a WinRM endpoint that answers NTLM with a Basic challenge
// only. go-ntlmssp's Negotiator (the transport behind
// masterzen/winrm's ClientNTLM) would then resend the credentials as
// Basic authentication, the password in clear text but for base64; the
// reconciler never does.
var errBasicRefused = failure.MarkTerminal(errors.New(
	"the WinRM endpoint offered only Basic authentication; refused: the reconciler sends credentials through NTLM only"))

// httpSettings is how the driver reaches WinRM endpoints.
type httpSettings struct {
	insecureSkipVerify bool
	rootCAs            *x509.CertPool    // nil: the system pool
	base               http.RoundTripper // tests: replaces the network transport
}

// newHTTPClient returns a client for one script run with auth, the watch
// on its wire, and a function that closes its idle connections. NTLM
// authenticates a connection, not a request, so each run gets its own
// connection pool: concurrent runs cannot pick up each other's
// half-authenticated connections. Proxies from the environment are
// ignored, redirects are refused, and Basic authentication never leaves
// the process.
func (h httpSettings) newHTTPClient(auth wsAuth) (*http.Client, *wireWatch, func()) {
	base, closeIdle := h.base, func() {}
	if base == nil {
		t := &http.Transport{
			Proxy:       nil,
			DialContext: (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig: &tls.Config{
				MinVersion:         tls.VersionTLS12,
				RootCAs:            h.rootCAs,
				InsecureSkipVerify: h.insecureSkipVerify, //nolint:gosec // explicit policy switch, listed in StartupNotes
			},
			TLSHandshakeTimeout: 15 * time.Second,
			MaxIdleConnsPerHost: 1,
			DisableCompression:  true,
		}
		base, closeIdle = t, t.CloseIdleConnections
	}
	watch := &wireWatch{next: base}
	c := &http.Client{
		Transport: auth.roundTripper(watch),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c, watch, closeIdle
}

// wireWatch sits under the NTLM negotiator (or directly under the client
// for Kerberos), on the wire side. It refuses any request that carries
// Basic credentials, and counts the logons sent: NTLM AUTHENTICATE
// messages, each a logon attempt that the domain controller checks and
// that counts toward the account's lockout when it fails, and Kerberos
// (SPNEGO) tokens, each a ticket presented. A 401 after one is a refused
// logon; a 401 without one is a handshake that never got as far (no NTLM
// offered, or a challenge the negotiator refused).
type wireWatch struct {
	next   http.RoundTripper
	logons atomic.Int64
}

func (n *wireWatch) RoundTrip(r *http.Request) (*http.Response, error) {
	a := r.Header.Get("Authorization")
	if len(a) >= 6 && strings.EqualFold(a[:6], "basic ") {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, errBasicRefused
	}
	if presentsCredentials(a) {
		n.logons.Add(1)
	}
	return n.next.RoundTrip(r)
}

// presentsCredentials reports whether an Authorization header logs on:
// an NTLM AUTHENTICATE message, or a Negotiate token that is not NTLM (a
// SPNEGO token carrying a Kerberos ticket). NTLM's NEGOTIATE carries no
// credentials.
func presentsCredentials(header string) bool {
	scheme, token, _ := strings.Cut(header, " ")
	if strings.EqualFold(scheme, "Negotiate") && strings.TrimSpace(token) != "" && ntlmMessageType(header) == 0 {
		return true
	}
	return ntlmMessageType(header) == 3
}

// ntlmMessageType returns the NTLM message type (1 negotiate, 2 challenge,
// 3 authenticate) carried by an Authorization header of scheme NTLM or
// Negotiate, or 0.
func ntlmMessageType(header string) int {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "NTLM") && !strings.EqualFold(scheme, "Negotiate") {
		return 0
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
	if err != nil || len(raw) < 12 || !bytes.HasPrefix(raw, []byte("NTLMSSP\x00")) {
		return 0
	}
	return int(raw[8])
}

// offersOnlyBasic reports whether a 401 offers Basic authentication and
// nothing else.
func offersOnlyBasic(h http.Header) bool {
	basic := false
	for _, v := range h.Values("WWW-Authenticate") {
		scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !strings.EqualFold(scheme, "Basic") {
			return false
		}
		basic = true
	}
	return basic
}
