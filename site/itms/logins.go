package itms

import (
	"slices"

	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/policy"
)

// The site's logins, for the controller's login gate (the driver only
// names them and marks refused logons as failure.AuthError; what to stop
// is the controller's decision).
const (
	loginWinRM = "winrm" // the NS and every package server
	loginCMDB  = "cmdb"  // SQL Server: reads and the leader lock
)

// fingerprint returns the keyed fingerprint of a secret, "" when the
// process has no key (Options.Fingerprint nil).
func fingerprint(opt Options, label, secret string) string {
	if opt.Fingerprint == nil {
		return ""
	}
	return opt.Fingerprint(label, secret)
}

// secretFrom says where a secret is read from, never its value.
func secretFrom(env, file string) string {
	if env != "" {
		return "environment variable " + env
	}
	return "file " + file
}

// winrmLogin is the WinRM account's login: its secret is the password,
// or with Kerberos and a keytab the keytab's content.
func winrmLogin(c policy.WinRMConfig, opt Options, user, secret string) failure.Login {
	from := secretFrom(c.PasswordEnv, c.PasswordFile)
	if c.Auth == "kerberos" && c.Keytab != "" {
		from = "keytab file " + c.Keytab
	}
	return failure.Login{Source: loginWinRM, User: user, Fingerprint: fingerprint(opt, loginWinRM, secret),
		From: from, Fix: "it is read again before every pass; a service's environment changes only at its restart"}
}

func cmdbLogin(c policy.SQLConfig, opt Options, user, dsn string) failure.Login {
	return failure.Login{Source: loginCMDB, User: user, Fingerprint: fingerprint(opt, loginCMDB, dsn),
		From: secretFrom(c.DSNEnv, c.DSNFile), Fix: "a new DSN takes effect when the service restarts"}
}

// Logins returns the logins the site uses now: the WinRM account's (the
// NS and every package server) and the CMDB DSN's (reads and the leader
// lock). The WinRM password (or keytab) is read again first, so that a
// secret corrected in its file is used from this call on (the old one
// stays among the secrets scrubbed from output); the DSN is read at Open
// only.
func (s *Site) Logins() (winrm, cmdb failure.Login) {
	s.refreshWinRM()
	return s.ws.current().login, s.cmdbLogin
}

// refreshWinRM reads the WinRM password (or keytab) again and, when it
// changed, logs on with the new one from now on (with Kerberos, through a
// new client, which logs in to the KDC afresh). A source that cannot be
// read keeps the secret in use.
func (s *Site) refreshWinRM() {
	cur := s.ws.current()
	next, _, secrets, err := winrmAuth(s.cfg.WinRM, s.opt, cur.login.User)
	if err != nil || next.secret == cur.secret {
		return
	}
	s.addSecrets(secrets...)
	s.ws.setCreds(next)
	s.log.Info("WinRM password changed in its source; the new one is used from now on", "from", cur.login.From)
}

// addSecrets adds values to scrub from every error and output.
func (s *Site) addSecrets(vs ...string) {
	s.secretsMu.Lock()
	defer s.secretsMu.Unlock()
	for _, v := range vs {
		if !slices.Contains(s.secrets, v) {
			s.secrets = append(s.secrets, v)
		}
	}
}

// secretList returns the values to scrub.
func (s *Site) secretList() []string {
	s.secretsMu.Lock()
	defer s.secretsMu.Unlock()
	return slices.Clone(s.secrets)
}
