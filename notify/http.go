package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds what is read of a receiver's answer.
const maxBody = 64 << 10

// poster POSTs JSON to one URL. The URL may hold a token: no error
// repeats it.
type poster struct {
	client *http.Client
	url    string
}

// newHTTPClient returns a client that never follows a redirect (a signed
// body must not travel elsewhere), checks certificates against the system
// roots plus roots (when given), and is bounded by each request's context.
func newHTTPClient(base http.RoundTripper, roots *x509.CertPool) *http.Client {
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
		base = t
	}
	return &http.Client{Transport: base, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// post sends body with the given headers and classifies the answer: 2xx
// delivered; 408, 429 and 5xx retried (honouring Retry-After); redirects
// and other 4xx permanent.
func (p *poster) post(ctx context.Context, body []byte, h http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return Permanent(errors.New("receiver URL cannot be used"))
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "reconciler-notify/1")
	resp, err := p.client.Do(req)
	if err != nil {
		return scrubURLError(err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	return classify(resp.StatusCode, resp.Header.Get("Retry-After"), snippet)
}

// scrubURLError drops the URL that net/http puts in its errors.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) {
		return Permanent(fmt.Errorf("POST: %w", err))
	}
	return fmt.Errorf("POST: %w", err)
}

func classify(code int, retryAfter string, snippet []byte) error {
	if code >= 200 && code < 300 {
		return nil
	}
	err := fmt.Errorf("HTTP %d", code)
	if s := clean(string(snippet), 200); s != "" {
		err = fmt.Errorf("HTTP %d: %s", code, s)
	}
	switch {
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		return RetryAfter(err, parseRetryAfter(retryAfter))
	case code == http.StatusRequestTimeout || code >= 500:
		return err
	case code >= 300 && code < 400:
		return Permanent(fmt.Errorf("%w: redirects are not followed; configure the final URL", err))
	}
	return Permanent(err)
}

// parseRetryAfter reads delay-seconds; an HTTP date or junk gives 0 (the
// backoff alone decides).
func parseRetryAfter(s string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(min(n, 86400)) * time.Second
}

// clean makes untrusted text one printable line of at most n bytes.
func clean(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	return clip(s, n)
}

// clip cuts s to at most n bytes on a character boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
