package notify

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/itms-tools/reconciler/clock"
)

// BuildOptions are what Build reads secrets with.
type BuildOptions struct {
	Getenv   func(string) string          // nil: os.Getenv
	ReadFile func(string) ([]byte, error) // nil: os.ReadFile
	Clock    clock.Clock                  // webhook timestamps; nil: the wall clock
	// Transport replaces the HTTP transport (tests); nil builds one with
	// the receiver's CA file.
	Transport http.RoundTripper
}

func (o BuildOptions) withDefaults() BuildOptions {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.ReadFile == nil {
		o.ReadFile = os.ReadFile
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	return o
}

// Build makes the receivers of the policy, reading their secrets. Every
// receiver that cannot be built is reported, by name, in the joined error;
// the ones that could are returned.
func Build(cfgs []Config, o BuildOptions) ([]Receiver, error) {
	var out []Receiver
	var errs []error
	for _, c := range cfgs {
		r, err := BuildOne(c, o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// BuildOne makes one receiver.
func BuildOne(c Config, o BuildOptions) (Receiver, error) {
	o = o.withDefaults()
	r, err := build(c, o)
	if err != nil {
		return Receiver{}, fmt.Errorf("notify %q: %w", c.Name, err)
	}
	return r, nil
}

func build(c Config, o BuildOptions) (Receiver, error) {
	roots, err := loadRoots(o, c.CAFile)
	if err != nil {
		return Receiver{}, err
	}
	r := Receiver{Config: c}
	if c.Type == TypeEmail {
		if c.Email == nil {
			return Receiver{}, errors.New("email receiver without its SMTP settings")
		}
		var pw string
		if c.SecretEnv != "" || c.SecretFile != "" {
			if pw, err = readSecret(o, "SMTP password", c.SecretEnv, c.SecretFile); err != nil {
				return Receiver{}, err
			}
		}
		r.Sender, r.Secrets = newEmail(*c.Email, pw, roots, c.Timeout), secretForms(pw)
		return r, nil
	}
	u, secretURL, err := receiverURL(o, c)
	if err != nil {
		return Receiver{}, err
	}
	if secretURL {
		r.Secrets = urlSecretForms(u)
	}
	p := &poster{client: newHTTPClient(o.Transport, roots), url: u}
	switch c.Type {
	case TypeWebhook:
		key, err := readSecret(o, "signing secret", c.SecretEnv, c.SecretFile)
		if err != nil {
			return Receiver{}, err
		}
		r.Secrets = append(r.Secrets, secretForms(key)...)
		r.Sender = &webhook{post: p, secret: []byte(key), clock: o.Clock}
	case TypeTeams:
		r.Sender = &teams{post: p}
	case TypeSlack:
		r.Sender = &slack{post: p}
	default:
		return Receiver{}, fmt.Errorf("unknown receiver type %q", c.Type)
	}
	return r, nil
}

// receiverURL returns the URL and whether it is a secret (it came from the
// environment or a file, not the policy).
func receiverURL(o BuildOptions, c Config) (string, bool, error) {
	u, secret := c.URL, false
	if c.URL == "" {
		v, err := readSecret(o, "URL", c.URLEnv, c.URLFile)
		if err != nil {
			return "", false, err
		}
		u, secret = v, true
	}
	if err := CheckURL(u, c.AllowHTTP); err != nil {
		return "", false, fmt.Errorf("URL: %w", err)
	}
	return strings.TrimSpace(u), secret, nil
}

// readSecret reads a secret from an environment variable or a file,
// trimmed. Errors name the source, never the value.
func readSecret(o BuildOptions, what, env, file string) (string, error) {
	var v string
	switch {
	case env != "":
		v = o.Getenv(env)
		if strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("%s: environment variable %s is not set", what, env)
		}
	case file != "":
		b, err := o.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s: %w", what, err)
		}
		v = string(b)
		if strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("%s: file %s is empty", what, file)
		}
	default:
		return "", fmt.Errorf("%s: the policy names no environment variable or file", what)
	}
	return strings.TrimSpace(v), nil
}

// loadRoots returns the system roots plus the PEM bundle at file, or nil
// (the system roots) without one.
func loadRoots(o BuildOptions, file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := o.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s: no PEM certificate in it", file)
	}
	return pool, nil
}

// secretForms returns s with its URL-escaped forms.
func secretForms(s string) []string {
	if s == "" {
		return nil
	}
	return uniq([]string{s, url.QueryEscape(s), url.PathEscape(s)})
}

// urlSecretForms returns a URL that is a secret, its escaped forms, and
// its long path segments and query values (the tokens in it), so that a
// scrubber catches a token even when a library prints part of the URL.
func urlSecretForms(raw string) []string {
	out := secretForms(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if len(seg) >= 12 {
			out = append(out, secretForms(seg)...)
		}
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			if len(v) >= 12 {
				out = append(out, secretForms(v)...)
			}
		}
	}
	if u.RawQuery != "" {
		out = append(out, u.RawQuery)
	}
	return uniq(out)
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
