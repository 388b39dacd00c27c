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

func winrmLogin(c policy.WinRMConfig, opt Options, user, password string) failure.Login {
	return failure.Login{Source: loginWinRM, User: user, Fingerprint: fingerprint(opt, loginWinRM, password),
		From: secretFrom(c.PasswordEnv, c.PasswordFile),
		Fix:  "it is read again before every pass; a service's environment changes only at its restart"}
}

func cmdbLogin(c policy.SQLConfig, opt Options, user, dsn string) failure.Login {
	return failure.Login{Source: loginCMDB, User: user, Fingerprint: fingerprint(opt, loginCMDB, dsn),
		From: secretFrom(c.DSNEnv, c.DSNFile), Fix: "a new DSN takes effect when the service restarts"}
}

// Logins returns the logins the site uses now: the WinRM account's (the
// NS and every package server) and the CMDB DSN's (reads and the leader
// lock). The WinRM password is read again first, so that a password
// corrected in its file is used from this call on (the old one stays
// among the secrets scrubbed from output); the DSN is read at Open only.
func (s *Site) Logins() (winrm, cmdb failure.Login) {
	s.refreshWinRM()
	return s.ws.current().login, s.cmdbLogin
}

// refreshWinRM reads the WinRM password again and, when it changed, logs
// on with the new one from now on. A source that cannot be read keeps the
// password in use.
func (s *Site) refreshWinRM() {
	c := s.cfg.WinRM
	password, err := readSecret(s.opt, "WinRM password", c.PasswordEnv, c.PasswordFile)
	cur := s.ws.current()
	if err != nil || password == cur.password {
		return
	}
	s.addSecrets(secretForms(password)...)
	s.ws.setCreds(winrmCreds{user: cur.user, password: password, login: winrmLogin(c, s.opt, cur.user, password)})
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
