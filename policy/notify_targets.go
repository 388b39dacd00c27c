package policy

import (
	"net"
	"net/mail"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/vocab"
)

// urlReceiver decodes where a webhook, Teams or Slack receiver posts, and
// the webhook's signing secret.
func (d *decoder) urlReceiver(at hcl.Attributes, b *hcl.Block, c *notify.Config) {
	attr(d, at, "allow_http", &c.AllowHTTP)
	if u := attr(d, at, "url", &c.URL); u != nil {
		if err := notify.CheckURL(c.URL, c.AllowHTTP); err != nil {
			d.fail(u.Expr.Range(), "Invalid URL", "url: %s.", err)
		}
	}
	d.envName(at, "url_env", &c.URLEnv)
	d.localPath(at, "url_file", &c.URLFile)
	d.oneOf(at, b, c.Type, "the address to post to", "url", "url_env", "url_file")
	if c.Type != notify.TypeWebhook {
		return
	}
	d.envName(at, "secret_env", &c.SecretEnv)
	d.localPath(at, "secret_file", &c.SecretFile)
	d.oneOf(at, b, c.Type, "the key that signs each request (X-Reconciler-Signature), so the receiver can reject forgeries",
		"secret_env", "secret_file")
}

// oneOf requires exactly one of names (those the block's type takes).
func (d *decoder) oneOf(at hcl.Attributes, b *hcl.Block, typ, what string, names ...string) {
	var set []*hcl.Attribute
	var offered []string
	for _, n := range names {
		if slices.Contains(notifyByType[typ], n) {
			offered = append(offered, n)
			if at[n] != nil {
				set = append(set, at[n])
			}
		}
	}
	switch {
	case len(set) == 0:
		d.fail(b.DefRange, "Missing "+offered[0], "The %s receiver needs one of %s: %s.", typ, joinOr(offered), what)
	case len(set) > 1:
		d.fail(later(set[0], set[1]).NameRange, "More than one of "+joinOr(offered),
			"%s comes from one place; keep one of %s.", what, joinOr(offered))
	}
}

func joinOr(ss []string) string {
	switch len(ss) {
	case 0:
		return ""
	case 1:
		return ss[0]
	}
	out := ""
	for i, s := range ss {
		switch {
		case i == 0:
			out = s
		case i == len(ss)-1:
			out += " or " + s
		default:
			out += ", " + s
		}
	}
	return out
}

// emailReceiver decodes an SMTP receiver.
func (d *decoder) emailReceiver(at hcl.Attributes, b *hcl.Block, c *notify.Config) {
	e := c.Email
	if d.require(at, "host", b, `the SMTP server's host name, e.g. "smtp.corp.example"`) {
		var h string
		if a := attr(d, at, "host", &h); a != nil {
			if _, err := vocab.ParseHost(h); err != nil && net.ParseIP(h) == nil {
				d.fail(a.Expr.Range(), "Invalid host name", "host is a DNS host name or an IP address; %s.", err)
			}
			e.Host = h
		}
	}
	if tlsA := d.tlsMode(at, e); tlsA != nil && e.TLS == notify.TLSImplicit && at["port"] == nil {
		e.Port = 465
	}
	d.intRange(at, "port", &e.Port, 1, 65535)
	if d.require(at, "from", b, `the sender address, e.g. "reconciler@corp.example"`) {
		d.address(at, "from", &e.From)
	}
	if d.require(at, "to", b, `the recipients, e.g. ["itms-admins@corp.example"]`) {
		d.addresses(at, "to", &e.To)
	}
	d.nonEmpty(at, "username", &e.Username)
	d.envName(at, "secret_env", &c.SecretEnv)
	d.localPath(at, "secret_file", &c.SecretFile)
	env, file := at["secret_env"], at["secret_file"]
	switch {
	case env != nil && file != nil:
		d.fail(later(env, file).NameRange, "Both secret_env and secret_file",
			"The SMTP password comes from one place; keep one of secret_env and secret_file.")
	case e.Username != "" && env == nil && file == nil:
		d.fail(at["username"].NameRange, "Missing SMTP password",
			"username logs in with a password from secret_env (an environment variable) or secret_file (a file); name one.")
	case e.Username == "" && (env != nil || file != nil):
		d.fail(either(env, file).NameRange, "Password without username",
			"An SMTP password needs the username it logs in as; set username, or remove the password.")
	}
}

// either returns a, or b when a is nil.
func either(a, b *hcl.Attribute) *hcl.Attribute {
	if a == nil {
		return b
	}
	return a
}

// tlsMode decodes tls; the plaintext modes need allow_plaintext.
func (d *decoder) tlsMode(at hcl.Attributes, e *notify.EmailConfig) *hcl.Attribute {
	attr(d, at, "allow_plaintext", &e.AllowPlaintext)
	var s string
	a := attr(d, at, "tls", &s)
	if a == nil {
		return nil
	}
	m := notify.TLSMode(s)
	if !slices.Contains(notify.TLSModes, m) {
		d.fail(a.Expr.Range(), "Invalid tls", `tls is "starttls" (the default: STARTTLS required), "implicit" (TLS from the start, port 465), `+
			`"opportunistic" (STARTTLS when offered) or "none"; got %q.`, clip(s))
		return nil
	}
	if m.Plaintext() && !e.AllowPlaintext {
		d.fail(a.Expr.Range(), "Plaintext mail needs allow_plaintext",
			"tls = %q may send mail, and a password, unencrypted; set allow_plaintext = true as well to accept that.", s)
	}
	e.TLS = m
	return a
}

// address decodes one mail address.
func (d *decoder) address(at hcl.Attributes, name string, dst *string) {
	var s string
	a := attr(d, at, name, &s)
	if a == nil {
		return
	}
	if addr, err := mail.ParseAddress(s); err != nil || addr.Address != s {
		d.fail(a.Expr.Range(), "Invalid mail address", `%s takes a bare address such as "reconciler@corp.example"; got %q.`, name, clip(s))
		return
	}
	*dst = s
}

// addresses decodes a non-empty list of mail addresses.
func (d *decoder) addresses(at hcl.Attributes, name string, dst *[]string) {
	items, a := d.list(at, name)
	if a != nil && len(items) == 0 {
		d.fail(a.Expr.Range(), "Empty recipient list", "%s must list at least one address.", name)
	}
	for _, it := range items {
		if addr, err := mail.ParseAddress(it.val); err != nil || addr.Address != it.val {
			d.fail(it.rng, "Invalid mail address", `%s takes bare addresses such as "itms-admins@corp.example"; got %q.`, name, clip(it.val))
			continue
		}
		*dst = append(*dst, it.val)
	}
}
