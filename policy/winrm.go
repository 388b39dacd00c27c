package policy

import "github.com/hashicorp/hcl/v2"

var winrmSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "port"}, {Name: "https"}, {Name: "allow_http"}, {Name: "insecure_skip_verify"},
	{Name: "auth"}, {Name: "user_env"}, {Name: "password_env"}, {Name: "password_file"},
	{Name: "timeout"}, {Name: "ca_file"}, {Name: "realm"}, {Name: "krb5_conf"}, {Name: "keytab"},
}}

// defaultKrb5Conf is where the Kerberos configuration is read from when
// the policy names none.
const defaultKrb5Conf = "/etc/krb5.conf"

// defaultWinRM is the transport when the policy says nothing: HTTPS on
// 5986, NTLM, credentials from RECONCILER_WINRM_USER and _PASSWORD.
func defaultWinRM() WinRMConfig {
	return WinRMConfig{
		Port:        defaultHTTPSPort,
		HTTPS:       true,
		Auth:        defaultAuth,
		UserEnv:     defaultUserEnv,
		PasswordEnv: defaultPasswordEnv,
		Timeout:     defaultWinRMTimeout,
	}
}

// winrm decodes the WinRM transport. Plain HTTP needs two switches
// (https = false and allow_http = true), so that it is never a typo.
func (d *decoder) winrm(b *hcl.Block) WinRMConfig {
	cfg := defaultWinRM()
	if b == nil {
		return cfg
	}
	at := d.content(b.Body, winrmSchema).Attributes
	https := attr(d, at, "https", &cfg.HTTPS)
	attr(d, at, "allow_http", &cfg.AllowHTTP)
	attr(d, at, "insecure_skip_verify", &cfg.InsecureSkipVerify)
	if !cfg.HTTPS {
		cfg.Port = defaultHTTPPort
		if !cfg.AllowHTTP {
			d.fail(https.Expr.Range(), "Plain HTTP needs allow_http",
				"https = false sends WinRM traffic without TLS; set allow_http = true as well to accept that, or remove https = false.")
		}
	}
	d.intRange(at, "port", &cfg.Port, 1, 65535)
	d.auth(at, &cfg.Auth)
	d.envName(at, "user_env", &cfg.UserEnv)
	pwEnv, pwFile := at["password_env"], at["password_file"]
	if pwEnv != nil || pwFile != nil {
		cfg.PasswordEnv = ""
	}
	d.envName(at, "password_env", &cfg.PasswordEnv)
	d.localPath(at, "password_file", &cfg.PasswordFile)
	if pwEnv != nil && pwFile != nil {
		d.fail(later(pwEnv, pwFile).NameRange, "Both password_env and password_file",
			"The WinRM password comes from one place: an environment variable (password_env) or a file (password_file); keep one.")
	}
	d.duration(at, "timeout", &cfg.Timeout, false)
	d.localPath(at, "ca_file", &cfg.CAFile)
	d.kerberos(at, &cfg)
	return cfg
}

// kerberos decodes the Kerberos settings, which only auth = "kerberos"
// takes.
func (d *decoder) kerberos(at hcl.Attributes, cfg *WinRMConfig) {
	d.nonEmpty(at, "realm", &cfg.Realm)
	d.localPath(at, "krb5_conf", &cfg.Krb5Conf)
	d.localPath(at, "keytab", &cfg.Keytab)
	if cfg.Auth != "kerberos" {
		for _, name := range []string{"realm", "krb5_conf", "keytab"} {
			if a := at[name]; a != nil {
				d.fail(a.NameRange, "Kerberos setting without Kerberos",
					`%s is a Kerberos setting; it takes auth = "kerberos".`, name)
			}
		}
		return
	}
	if cfg.Krb5Conf == "" {
		cfg.Krb5Conf = defaultKrb5Conf
	}
}

// auth decodes the WinRM authentication scheme.
func (d *decoder) auth(at hcl.Attributes, dst *string) {
	var s string
	a := attr(d, at, "auth", &s)
	if a == nil {
		return
	}
	if s != "ntlm" && s != "kerberos" {
		d.fail(a.Expr.Range(), "Invalid auth", `auth is "ntlm" or "kerberos"; got %q.`, clip(s))
		return
	}
	*dst = s
}
