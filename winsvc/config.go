package winsvc

import (
	"errors"
	"time"
)

// Errors the manager maps Windows errors onto, so that callers can tell
// the administrator what to do without knowing Windows error numbers.
var (
	// ErrExists: a service of that name is already registered.
	ErrExists = errors.New("already installed")
	// ErrNotInstalled: no service of that name is registered.
	ErrNotInstalled = errors.New("not installed")
	// ErrAccessDenied: the SCM refused; most verbs need an elevated prompt.
	ErrAccessDenied = errors.New("access denied (run from an elevated prompt, as an administrator)")
)

// Config is what Install registers.
type Config struct {
	// Name is the service (and event-log source) name.
	Name        string
	DisplayName string
	Description string
	// Exe is the absolute path of the executable; Args follow it on the
	// registered command line (see CommandLine).
	Exe  string
	Args []string
	// Account runs the service ("" for LocalSystem): DOMAIN\user, a gMSA
	// (DOMAIN\name$), NT AUTHORITY\NetworkService, NT SERVICE\Name...
	Account string
	// Password of Account, handed to the SCM only. Never print or log it.
	Password string
	// RestartAfter is the delay of the recovery action: on failure the SCM
	// restarts the service after it (first, second and later failures).
	RestartAfter time.Duration
	// ResetAfter is how long without failure resets the failure count.
	ResetAfter time.Duration
}

// Info is what the SCM says about an installed service.
type Info struct {
	Name        string
	DisplayName string
	// State in the SCM's words: running, stopped, stop pending...
	State string
	// PID is the process ID while running, else 0.
	PID uint32
	// StartType: automatic (delayed start), automatic, manual, disabled.
	StartType   string
	CommandLine string
	Account     string
	// ExitCode is the last Win32 exit code; ServiceExitCode is the
	// daemon's own exit code when ExitCode says it is service-specific.
	ExitCode        uint32
	ServiceExitCode uint32
}
