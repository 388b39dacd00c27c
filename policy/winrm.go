package policy

import "github.com/hashicorp/hcl/v2"

var winrmSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "port"}, {Name: "https"}, {Name: "allow_http"}, {Name: "insecure_skip_verify"},
	{Name: "auth"}, {Name: "user_env"}, {Name: "password_env"}, {Name: "password_file"},
	{Name: "timeout"},
}}

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
	return cfg
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
