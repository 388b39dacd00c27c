package itms

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strings"
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

// newHTTPClient returns a client for one script run and a function that
// closes its idle connections. NTLM authenticates a connection, not a
// request, so each run gets its own connection pool: concurrent runs
// cannot pick up each other's half-authenticated connections. Proxies from
// the environment are ignored, redirects are refused, and Basic
// authentication never leaves the process.
func (h httpSettings) newHTTPClient(auth wsAuth) (*http.Client, func()) {
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
	c := &http.Client{
		Transport: auth.roundTripper(base),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c, closeIdle
}

// noBasic refuses any request that carries Basic credentials.
type noBasic struct{ next http.RoundTripper }

func (n noBasic) RoundTrip(r *http.Request) (*http.Response, error) {
	if a := r.Header.Get("Authorization"); len(a) >= 6 && strings.EqualFold(a[:6], "basic ") {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, errBasicRefused
	}
	return n.next.RoundTrip(r)
}
