// Package failure classifies errors by what the controller should do next
// (see STYLE.md): a terminal error stops retries for that target and is
// shown to the admin; a waiting error retries after a given delay; any other
// error is transient and backs off exponentially.
//
// A refused login (AuthError, MarkAuth) is terminal too, and names the
// credentials (Login) so that the controller can stop every call that
// would use them, not only retries of the one target.
//
// Drivers wrap their errors with MarkTerminal or MarkAuth, or return an
// error with a RetryAfter() time.Duration method for a wait (Waiting); the
// controller reads them with Classify and AuthOf. The package holds no state and
// decides no policy.
package failure

import (
	"errors"
	"time"
)

// Class is what to do after an error.
type Class int

// The classes.
const (
	Transient Class = iota // back off and retry
	Waiting                // retry after the given delay
	Terminal               // stop retrying; tell the admin
)

func (c Class) String() string {
	switch c {
	case Waiting:
		return "waiting"
	case Terminal:
		return "terminal"
	}
	return "transient"
}

type terminalError struct{ err error }

func (e *terminalError) Error() string  { return e.err.Error() }
func (e *terminalError) Unwrap() error  { return e.err }
func (e *terminalError) Terminal() bool { return true }

// MarkTerminal marks err as terminal: retrying will not help (for example
// the agent's policy forbids remote configuration). nil stays nil.
func MarkTerminal(err error) error {
	if err == nil {
		return nil
	}
	return &terminalError{err}
}

// Classify returns the class of err and, for Waiting, the delay.
func Classify(err error) (Class, time.Duration) {
	var t interface{ Terminal() bool }
	if errors.As(err, &t) && t.Terminal() {
		return Terminal, 0
	}
	var w interface{ RetryAfter() time.Duration }
	if errors.As(err, &w) {
		return Waiting, w.RetryAfter()
	}
	return Transient, 0
}
