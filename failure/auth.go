package failure

import (
	"errors"
	"fmt"
)

// Login names one set of credentials a site logs in with, without the
// secret: what it is for, the account, and a keyed fingerprint of the
// secret (package localkey) so that a change of the secret is recognised
// without the secret being kept anywhere. Source, User and Fingerprint
// identify the login; From and Fix only describe it.
type Login struct {
	// Source is what the login is for: "winrm" (the NS and every package
	// server) or "cmdb" (SQL Server).
	Source string `json:"source"`
	// User is the account name ("" for integrated authentication).
	User string `json:"user,omitempty"`
	// Fingerprint is the keyed fingerprint of the secret; "" when the
	// site could not compute one (then any login of Source and User
	// matches).
	Fingerprint string `json:"fingerprint,omitempty"`
	// From says where the secret is read from ("environment variable
	// WINRM_PASSWORD", "file /etc/reconciler/dsn"), never its value.
	From string `json:"from,omitempty"`
	// Fix says what an admin does once the secret is corrected, for
	// example "it is read again before every pass".
	Fix string `json:"fix,omitempty"`
}

// Same reports whether l and m are one login: same source and user, and
// the same fingerprint where both have one.
func (l Login) Same(m Login) bool {
	if l.Source != m.Source || l.User != m.User {
		return false
	}
	return l.Fingerprint == "" || m.Fingerprint == "" || l.Fingerprint == m.Fingerprint
}

// String names the login for messages: "winrm user CORP\svc".
func (l Login) String() string {
	if l.User == "" {
		return l.Source + " login (integrated authentication)"
	}
	return fmt.Sprintf("%s user %s", l.Source, l.User)
}

// AuthError is a login the far side refused: a WinRM endpoint answering an
// NTLM logon with 401, SQL Server's "login failed" (18456). Retrying with
// the same credentials cannot succeed and counts toward the account's
// lockout, so it is terminal, and the controller stops every call with
// these credentials until they change.
type AuthError struct {
	Login Login
	Err   error
}

func (e *AuthError) Error() string  { return e.Err.Error() }
func (e *AuthError) Unwrap() error  { return e.Err }
func (e *AuthError) Terminal() bool { return true }

// MarkAuth marks err as a refused login of l. nil stays nil.
func MarkAuth(err error, l Login) error {
	if err == nil {
		return nil
	}
	return &AuthError{Login: l, Err: err}
}

// AuthOf returns the login a refused-login error names.
func AuthOf(err error) (Login, bool) {
	var a *AuthError
	if errors.As(err, &a) {
		return a.Login, true
	}
	return Login{}, false
}
