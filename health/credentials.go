package health

import (
	"fmt"
	"io"
	"time"
)

// Credential is a login the far side refused (a wrong or expired
// password, a locked or disabled account): the controller stops every
// call with it, so that retries do not lock the account out, until its
// secret changes or the policy is reloaded. Never the secret itself.
type Credential struct {
	// Source is what the login is for: "winrm" (the NS and every package
	// server) or "cmdb" (SQL Server).
	Source string `json:"source"`
	// User is the account ("" for integrated authentication).
	User string `json:"user,omitempty"`
	// From says where the secret is read from.
	From string `json:"from,omitempty"`
	// RefusedAt is when it was refused; Error is how (no secret).
	RefusedAt time.Time `json:"refused_at"`
	Error     string    `json:"error"`
	// Action says what an admin does about it.
	Action string `json:"action"`
}

// credentials writes the refused logins, first thing after the header:
// while one is refused, what it serves is not observed at all.
func credentials(w io.Writer, r Report) {
	for _, c := range r.Credentials {
		who := c.Source + " login"
		if c.User != "" {
			who = c.Source + " user " + c.User
		}
		fmt.Fprintf(w, "CREDENTIALS REFUSED: %s at %s; every call with them is stopped.\n", safe(who), c.RefusedAt.UTC().Format(time.RFC3339))
		fmt.Fprintf(w, "      %s\n      To do: %s\n", safe(c.Error), safe(c.Action))
	}
	if len(r.Credentials) > 0 {
		fmt.Fprintln(w)
	}
}
