package notify

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Receiver types, the values of a notify block's type.
const (
	TypeWebhook = "webhook"
	TypeTeams   = "teams"
	TypeSlack   = "slack"
	TypeEmail   = "email"
)

// Types lists the receiver types.
var Types = []string{TypeWebhook, TypeTeams, TypeSlack, TypeEmail}

// Defaults of a receiver.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 5
	DefaultBackoffBase = 30 * time.Second
	DefaultBackoffCap  = 10 * time.Minute
	DefaultQueue       = 100
	DefaultRateMax     = 30
	DefaultRatePer     = time.Hour
	DefaultSMTPPort    = 587
)

// Config is one receiver as the policy describes it (package policy
// decodes notify blocks into it). Secrets are named, never held: Build
// reads them from the environment or files.
type Config struct {
	Name string
	Type string
	// URL is the address inline (webhook only); URLEnv and URLFile name
	// where a URL that is itself a secret comes from (Teams, Slack).
	URL, URLEnv, URLFile string
	// SecretEnv and SecretFile name the webhook's signing key or the SMTP
	// password.
	SecretEnv, SecretFile string
	// Events are the kinds sent; empty means every kind.
	Events      []Kind
	MinSeverity Severity
	Rate        Rate
	AllowHTTP   bool
	// CAFile adds a PEM bundle to the system roots (a private CA).
	CAFile      string
	Timeout     time.Duration
	MaxAttempts int
	BackoffBase time.Duration
	BackoffCap  time.Duration
	Queue       int
	Email       *EmailConfig // type email only
}

// Defaults returns a Config of the given name and type with every default.
func Defaults(name, typ string) Config {
	c := Config{Name: name, Type: typ, MinSeverity: Info, Rate: Rate{Max: DefaultRateMax, Per: DefaultRatePer},
		Timeout: DefaultTimeout, MaxAttempts: DefaultMaxAttempts, BackoffBase: DefaultBackoffBase,
		BackoffCap: DefaultBackoffCap, Queue: DefaultQueue}
	if typ == TypeEmail {
		c.Email = &EmailConfig{Port: DefaultSMTPPort, TLS: TLSStartTLS}
	}
	return c
}

// Accepts reports whether the receiver wants an event of kind k and
// severity s. A test event is always accepted.
func (c Config) Accepts(k Kind, s Severity) bool {
	if k == Test {
		return true
	}
	return (len(c.Events) == 0 || slices.Contains(c.Events, k)) && s >= c.MinSeverity
}

// Rate is at most Max messages in any window of Per.
type Rate struct {
	Max int
	Per time.Duration
}

// String renders the rate as the policy writes it: "30/1h0m0s".
func (r Rate) String() string { return fmt.Sprintf("%d/%s", r.Max, r.Per) }

// ParseRate reads "N/DURATION", e.g. "30/1h".
func ParseRate(s string) (Rate, error) {
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, errors.New(`want "N/DURATION", e.g. "30/1h"`)
	}
	max, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || max < 1 || max > 1_000_000 {
		return Rate{}, fmt.Errorf("the count %q is not a whole number from 1 to 1000000", n)
	}
	d, err := time.ParseDuration(strings.TrimSpace(per))
	if err != nil || d <= 0 {
		return Rate{}, fmt.Errorf("the window %q is not a positive Go duration such as \"1h\"", per)
	}
	return Rate{Max: max, Per: d}, nil
}

// TLSMode is how an email receiver secures its connection.
type TLSMode string

// TLS modes. StartTLS is the default; Opportunistic and None send in the
// clear when the server offers no STARTTLS and need AllowPlaintext.
const (
	TLSStartTLS      TLSMode = "starttls"
	TLSImplicit      TLSMode = "implicit"
	TLSOpportunistic TLSMode = "opportunistic"
	TLSNone          TLSMode = "none"
)

// TLSModes lists the modes.
var TLSModes = []TLSMode{TLSStartTLS, TLSImplicit, TLSOpportunistic, TLSNone}

// Plaintext reports whether the mode may send without TLS.
func (m TLSMode) Plaintext() bool { return m == TLSOpportunistic || m == TLSNone }

// EmailConfig is an SMTP receiver.
type EmailConfig struct {
	Host     string
	Port     int
	From     string
	To       []string
	Username string // empty: no authentication
	TLS      TLSMode
	// AllowPlaintext permits TLSOpportunistic and TLSNone.
	AllowPlaintext bool
}

// CheckURL validates a receiver URL: absolute, https (http only with
// allowHTTP), with a host. Errors never repeat the URL, which may hold a
// token.
func CheckURL(raw string, allowHTTP bool) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return errors.New("not a valid URL")
	}
	switch {
	case u.Host == "":
		return errors.New("not an absolute URL with a host (want https://host/path)")
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && allowHTTP:
		return nil
	case u.Scheme == "http":
		return errors.New("plain http sends notifications (and a webhook's token) unencrypted; use https, or set allow_http = true to accept that")
	}
	return fmt.Errorf("scheme %q: want https", u.Scheme)
}
