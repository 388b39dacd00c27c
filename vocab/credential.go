package vocab

import (
	"fmt"
	"strings"
)

// Mode is the Package Service security setting on the NS.
type Mode string

// The three credential options of Package Service Settings > Security Settings.
const (
	Anonymous Mode = "anonymous"
	AppID     Mode = "appid"
	ACC       Mode = "acc"
)

// ParseMode validates a credential mode.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(s)); m {
	case Anonymous, AppID, ACC:
		return m, nil
	}
	return "", fmt.Errorf("unknown credential mode %q (want anonymous, appid or acc)", Clip(s))
}

// NeedsAccount reports whether the mode runs the Package Service under an
// account that must hold Full Control on Package Delivery.
func (m Mode) NeedsAccount() bool { return m == AppID || m == ACC }

// Credential is a Package Service credential: a mode and, for appid and acc,
// the account name. It never holds a password.
type Credential struct {
	Mode    Mode   `json:"mode"`
	Account string `json:"account,omitempty"`
}

// Equal compares credentials the way Windows compares account names: the
// mode exactly, the account case-insensitively; anonymous ignores accounts.
func (c Credential) Equal(o Credential) bool {
	if c.Mode != o.Mode {
		return false
	}
	if !c.Mode.NeedsAccount() {
		return true
	}
	return strings.EqualFold(c.Account, o.Account)
}

// String renders the credential for people: "acc CORP\svc" or "anonymous".
func (c Credential) String() string {
	if !c.Mode.NeedsAccount() || c.Account == "" {
		return string(c.Mode)
	}
	return string(c.Mode) + " " + c.Account
}

// Validate checks that appid and acc name an account and anonymous does not
// need one, and that the account name is plausible (DOMAIN\user, user@domain
// or a local user name) with no control characters.
func (c Credential) Validate() error {
	if _, err := ParseMode(string(c.Mode)); err != nil {
		return err
	}
	if !c.Mode.NeedsAccount() {
		return nil
	}
	if c.Account == "" {
		return fmt.Errorf("credential mode %s needs an account", c.Mode)
	}
	return ValidAccount(c.Account)
}

// ValidAccount checks an account name: printable, at most 256 characters, no
// characters Windows forbids in user names.
func ValidAccount(a string) error {
	if a == "" || len(a) > 256 {
		return fmt.Errorf("not an account name: %q", Clip(a))
	}
	for _, r := range a {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/[]:;|=,+*?<>"`, r) {
			return fmt.Errorf("not an account name: %q", Clip(a))
		}
	}
	return nil
}
