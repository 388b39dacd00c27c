package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"
)

// email sends a plain-text mail over SMTP with github.com/wneessen/go-mail:
// STARTTLS is mandatory unless the policy chose otherwise, and a password
// is only ever sent after TLS (go-mail refuses PLAIN and LOGIN in the
// clear).
type email struct {
	cfg      EmailConfig
	password string
	tls      *tls.Config
	timeout  time.Duration
}

func newEmail(cfg EmailConfig, password string, roots *x509.CertPool, timeout time.Duration) *email {
	return &email{cfg: cfg, password: password, timeout: timeout,
		tls: &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12, RootCAs: roots}}
}

// emailSubject is "[reconciler] CRITICAL: summary" or "[reconciler]
// RESOLVED: summary".
func emailSubject(m Message) string { return clean("[reconciler] "+m.Title(), 200) }

// emailText is the body: the title, then one fact per line.
func emailText(m Message) string {
	var b strings.Builder
	b.WriteString(m.Title() + "\n\n")
	for _, f := range m.Facts() {
		fmt.Fprintf(&b, "%-10s %s\n", f.Name+":", f.Value)
	}
	b.WriteString("\nSent by reconciler. Message " + m.ID + ".\n")
	return b.String()
}

func (e *email) options() []mail.Option {
	opts := []mail.Option{mail.WithPort(e.cfg.Port), mail.WithTimeout(e.timeout), mail.WithTLSConfig(e.tls)}
	switch e.cfg.TLS {
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	case TLSOpportunistic:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if e.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(e.cfg.Username), mail.WithPassword(e.password))
	}
	return opts
}

// Send mails m to every recipient.
func (e *email) Send(ctx context.Context, m Message) error {
	msg := mail.NewMsg()
	if err := msg.From(e.cfg.From); err != nil {
		return Permanent(fmt.Errorf("from: %w", err))
	}
	if err := msg.To(e.cfg.To...); err != nil {
		return Permanent(fmt.Errorf("to: %w", err))
	}
	msg.Subject(emailSubject(m))
	msg.SetDateWithValue(m.Event.Time)
	msg.SetMessageIDWithValue(m.ID + "@reconciler")
	msg.SetBodyString(mail.TypeTextPlain, emailText(m))
	c, err := mail.NewClient(e.cfg.Host, e.options()...)
	if err != nil {
		return Permanent(fmt.Errorf("smtp client: %w", err))
	}
	return classifySMTP(c.DialAndSendWithContext(ctx, msg))
}

// classifySMTP marks what a retry cannot cure: a 5xx reply, a rejected
// message, a server without the required STARTTLS, a certificate that
// does not verify.
func classifySMTP(err error) error {
	if err == nil {
		return nil
	}
	err = fmt.Errorf("smtp: %w", err)
	var se *mail.SendError
	var te *textproto.Error
	var cv *tls.CertificateVerificationError
	switch {
	case errors.As(err, &se):
		if se.IsTemp() {
			return err
		}
		return Permanent(err)
	case errors.As(err, &te):
		if te.Code >= 500 {
			return Permanent(err)
		}
		return err
	case errors.As(err, &cv), strings.Contains(err.Error(), "does not support STARTTLS"):
		return Permanent(err)
	}
	return err
}
