package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/winsvc"
)

func init() {
	register(command{name: "service", summary: "install and control the Windows service (on Linux: a systemd unit)", run: runServiceCmd})
}

// The Windows service's identity. The name is also the event-log source.
const (
	serviceName        = "reconciler"
	serviceDisplayName = "ITMS Package Server reconciler"
	serviceDescription = "Keeps the Package Servers of an ITMS 8.x Notification Server healthy: " +
		"automates the remedy of Broadcom KB 179719 (packages Ready on the Package Server, Invalid on the NS) " +
		"under the limits of its policy, with an audit journal."
)

// Recovery and waits.
const (
	serviceRestartAfter = time.Minute
	serviceResetAfter   = 24 * time.Hour
	// serviceStartWait exceeds the daemon's own 120s bound for becoming
	// ready under the SCM (winsvc.Options.StartTimeout).
	serviceStartWait = 150 * time.Second
	// serviceStopWait exceeds the daemon's own 90s stop bound under the SCM.
	serviceStopWait = 2 * time.Minute
)

// notWindows is what `reconciler service` says on other systems.
const notWindows = `reconciler: 'reconciler service' manages the Windows service.
On Linux, run reconciler as a systemd unit instead: see deploy/systemd/README.md
  (systemctl enable --now reconciler; systemctl reload reconciler reloads the policy).
`

// serviceManager is the platform's service control (winsvc.Manager on
// Windows); tests use a fake.
type serviceManager interface {
	Install(cfg winsvc.Config) (string, error)
	Uninstall(ctx context.Context, name string, timeout time.Duration) error
	Start(ctx context.Context, name string, timeout time.Duration) (winsvc.Info, error)
	Stop(ctx context.Context, name string, timeout time.Duration) (winsvc.Info, error)
	Status(name string) (winsvc.Info, error)
}

// serviceDeps is what the service command takes from the platform.
type serviceDeps struct {
	// mgr is nil where there is no Windows service manager.
	mgr serviceManager
	// executable is this program's path (os.Executable).
	executable func() (string, error)
	// tempDir is where `go run` builds; a service must not point there.
	tempDir string
}

// runServiceCmd is the registered command: runService on this platform.
func runServiceCmd(ctx context.Context, e *env, args []string) int {
	return runService(ctx, e, args, platformServiceDeps())
}

// runService dispatches `reconciler service VERB`.
func runService(ctx context.Context, e *env, args []string, d serviceDeps) int {
	if d.mgr == nil {
		if slices.ContainsFunc(args, isHelp) {
			serviceUsage(e.stderr)
			fmt.Fprintln(e.stderr)
			fmt.Fprint(e.stderr, notWindows)
			return exitOK
		}
		fmt.Fprint(e.stderr, notWindows)
		return exitError
	}
	verb, rest := splitVerb(args)
	switch verb {
	case "install":
		return serviceInstall(e, d, rest)
	case "uninstall", "start", "stop", "status":
		return serviceControl(ctx, e, d.mgr, verb, rest)
	}
	return noVerb(e, "service", verb, rest, serviceUsage)
}

func serviceUsage(w io.Writer) {
	fmt.Fprint(w, `usage: reconciler service VERB [flags]   (Windows, from an elevated prompt)

verbs:
  install    register the service: automatic (delayed start), restarted 1m after a failure
             --policy FILE  --log-file FILE  --log-level LEVEL  --account NAME  --password-env VAR
  uninstall  stop the service if it runs, then remove it and its event log source
  start      start it and wait until it runs
  stop       stop it and wait until it has stopped
  status     show its state, start type, account and command line
`)
}

// installOptions are the flags of `service install`, as given.
type installOptions struct {
	policy, logFile, logLevel string
	account, passwordEnv      string
}

// parseInstall reads the install flags. logLevel is set only when the flag
// was given, so that the registered command line stays minimal.
func parseInstall(e *env, args []string) (installOptions, error) {
	fs, c := newFlags(e, "service install")
	var o installOptions
	fs.StringVar(&o.logFile, "log-file", "", "write JSON-lines logs to this file instead of the event log")
	fs.StringVar(&o.account, "account", "", `run as this account (DOMAIN\user, DOMAIN\gmsa$, NT AUTHORITY\NetworkService); default LocalSystem`)
	fs.StringVar(&o.passwordEnv, "password-env", "", "name of the environment variable holding --account's password")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errFlags
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	o.policy = c.policyPath
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "log-level" {
			o.logLevel = c.logLevel
		}
	})
	if o.logLevel != "" {
		var lvl slog.Level
		if err := lvl.UnmarshalText([]byte(o.logLevel)); err != nil {
			return o, fmt.Errorf("--log-level %q: want debug, info, warn or error", o.logLevel)
		}
	}
	return o, nil
}

// serviceRunArgs are the arguments the service runs with, after the
// executable: `run --policy P [--log-file F] [--log-level L]`. Paths must
// be absolute already: a service starts in C:\Windows\System32.
func serviceRunArgs(policy, logFile, logLevel string) []string {
	args := []string{"run", "--policy", policy}
	if logFile != "" {
		args = append(args, "--log-file", logFile)
	}
	if logLevel != "" {
		args = append(args, "--log-level", logLevel)
	}
	return args
}

// serviceAccountNeedsPassword reports whether Windows needs a password to
// run a service as account: not for LocalSystem (""), the built-in
// NT AUTHORITY accounts, virtual accounts (NT SERVICE\name) or group
// managed service accounts (names ending in $).
func serviceAccountNeedsPassword(account string) bool {
	a := strings.ToUpper(account)
	switch {
	case a == "" || a == "LOCALSYSTEM" || a == `.\LOCALSYSTEM`:
		return false
	case strings.HasPrefix(a, `NT AUTHORITY\`), strings.HasPrefix(a, `NT SERVICE\`), strings.HasSuffix(a, "$"):
		return false
	}
	return true
}

// serviceCredentials checks --account and --password-env and reads the
// password from the environment; it never comes from the command line.
func serviceCredentials(o installOptions, getenv func(string) string) (string, error) {
	if o.passwordEnv == "" {
		if serviceAccountNeedsPassword(o.account) {
			return "", fmt.Errorf("--account %s needs a password: put it in an environment variable and pass its name with --password-env (a gMSA, DOMAIN\\name$, needs none)", o.account)
		}
		return "", nil
	}
	if o.account == "" {
		return "", fmt.Errorf("--password-env %s without --account: LocalSystem has no password", o.passwordEnv)
	}
	if !serviceAccountNeedsPassword(o.account) {
		return "", fmt.Errorf("--account %s takes no password; drop --password-env", o.account)
	}
	pw := getenv(o.passwordEnv)
	if pw == "" {
		return "", fmt.Errorf("--password-env %s: that environment variable is empty or unset", o.passwordEnv)
	}
	return pw, nil
}

// underDir reports whether path lies in dir, ignoring case (Windows paths).
func underDir(path, dir string) bool {
	if dir == "" {
		return false
	}
	rel, err := filepath.Rel(strings.ToLower(dir), strings.ToLower(path))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// errFlags means the flag package has already told the user what is wrong.
var errFlags = errors.New("bad flags")

// serviceInstall is `reconciler service install`.
func serviceInstall(e *env, d serviceDeps, args []string) int {
	o, err := parseInstall(e, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errFlags):
		return exitError
	case err != nil:
		return e.errorf("service install: %v", err)
	}
	cfg, err := installConfig(o, d, e.getenv)
	if err != nil {
		return e.errorf("service install: %v", err)
	}
	line, err := d.mgr.Install(cfg)
	if errors.Is(err, winsvc.ErrExists) {
		return e.errorf("service %q is already installed; 'reconciler service status' shows its command line. "+
			"To change it: reconciler service uninstall, then install again", serviceName)
	}
	if err != nil {
		return e.errorf("service install: %v", err)
	}
	printInstalled(e.stdout, cfg, o.logFile, line)
	return exitOK
}

// installConfig turns the install flags into what the SCM registers:
// absolute paths, this executable, and the account's password.
func installConfig(o installOptions, d serviceDeps, getenv func(string) string) (winsvc.Config, error) {
	policy, err := filepath.Abs(o.policy)
	if err != nil {
		return winsvc.Config{}, fmt.Errorf("--policy %s: %w", o.policy, err)
	}
	if st, err := os.Stat(policy); err != nil || !st.Mode().IsRegular() {
		return winsvc.Config{}, fmt.Errorf("--policy %s: not a policy file; write it first and check it with 'reconciler policy check --policy %s'", policy, policy)
	}
	logFile := o.logFile
	if logFile != "" {
		if logFile, err = filepath.Abs(logFile); err != nil {
			return winsvc.Config{}, fmt.Errorf("--log-file %s: %w", o.logFile, err)
		}
	}
	exe, err := d.executable()
	if err != nil {
		return winsvc.Config{}, fmt.Errorf("find this program's path: %w", err)
	}
	if underDir(exe, d.tempDir) {
		return winsvc.Config{}, fmt.Errorf("this program runs from a temporary folder (%s; go run?): copy reconciler.exe to a lasting place such as C:\\Program Files\\reconciler\\ and install from there", exe)
	}
	pw, err := serviceCredentials(o, getenv)
	if err != nil {
		return winsvc.Config{}, err
	}
	cfg := winsvc.Config{
		Name: serviceName, DisplayName: serviceDisplayName, Description: serviceDescription,
		Exe: exe, Args: serviceRunArgs(policy, logFile, o.logLevel),
		Account: o.account, Password: pw,
		RestartAfter: serviceRestartAfter, ResetAfter: serviceResetAfter,
	}
	if _, err := winsvc.CommandLine(cfg.Exe, cfg.Args); err != nil {
		return winsvc.Config{}, err
	}
	return cfg, nil
}

// printInstalled tells the administrator what was registered and what to
// do next. It never prints the password.
func printInstalled(w io.Writer, cfg winsvc.Config, logFile, line string) {
	account := cfg.Account
	if account == "" {
		account = "LocalSystem"
	}
	logs := `Windows event log (Application, source "` + cfg.Name + `")`
	if logFile != "" {
		logs = logFile + " (JSON lines)"
	}
	fmt.Fprintf(w, "installed service %q (%s)\n", cfg.Name, cfg.DisplayName)
	fmt.Fprintf(w, "  command line: %s\n", line)
	fmt.Fprintf(w, "  account:      %s\n", account)
	fmt.Fprintf(w, "  start:        automatic (delayed start); after a failure: restart in %v\n", cfg.RestartAfter)
	fmt.Fprintf(w, "  logs:         %s\n", logs)
	if serviceAccountNeedsPassword(cfg.Account) {
		fmt.Fprintln(w, "  the account needs the \"Log on as a service\" right (see deploy/windows/README.md)")
	}
	fmt.Fprintln(w, "next: reconciler service start")
}

// serviceControl runs uninstall, start, stop and status.
func serviceControl(ctx context.Context, e *env, m serviceManager, verb string, args []string) int {
	fs := flag.NewFlagSet("reconciler service "+verb, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	wait := serviceStopWait
	if verb == "start" {
		wait = serviceStartWait
	}
	if verb != "status" {
		fs.DurationVar(&wait, "timeout", wait, "how long to wait for the service's state")
	}
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return e.errorf("service %s: unexpected argument %q", verb, fs.Arg(0))
	}
	info, err := controlVerb(ctx, m, verb, wait)
	if errors.Is(err, winsvc.ErrNotInstalled) {
		return e.errorf("service %q is not installed (reconciler service install --policy FILE)", serviceName)
	}
	if info.Name != "" {
		printServiceInfo(e.stdout, info)
	}
	if err != nil {
		return e.errorf("service %s: %v", verb, err)
	}
	if verb == "uninstall" {
		fmt.Fprintf(e.stdout, "uninstalled service %q; the policy, journal and logs are left in place\n", serviceName)
	}
	return exitOK
}

// controlVerb calls the manager for verb.
func controlVerb(ctx context.Context, m serviceManager, verb string, wait time.Duration) (winsvc.Info, error) {
	switch verb {
	case "uninstall":
		return winsvc.Info{}, m.Uninstall(ctx, serviceName, wait)
	case "start":
		return m.Start(ctx, serviceName, wait)
	case "stop":
		return m.Stop(ctx, serviceName, wait)
	}
	return m.Status(serviceName)
}

// printServiceInfo prints what the SCM says, one field a line.
func printServiceInfo(w io.Writer, i winsvc.Info) {
	fmt.Fprintf(w, "service:      %s (%s)\n", i.Name, i.DisplayName)
	state := i.State
	if i.PID != 0 {
		state += fmt.Sprintf(", pid %d", i.PID)
	}
	if i.ExitCode != 0 {
		state += fmt.Sprintf(", last exit code %d (service code %d)", i.ExitCode, i.ServiceExitCode)
	}
	fmt.Fprintf(w, "state:        %s\n", state)
	fmt.Fprintf(w, "start type:   %s\n", i.StartType)
	account := i.Account
	if account == "" {
		account = "LocalSystem"
	}
	fmt.Fprintf(w, "account:      %s\n", account)
	fmt.Fprintf(w, "command line: %s\n", i.CommandLine)
}

// takeLogFile takes --log-file FILE (or --log-file=FILE, one dash or two)
// out of a service's arguments, stopping at "--". The service output is
// set up before the command runs, so the command never sees the flag.
func takeLogFile(args []string) (rest []string, logFile string, err error) {
	rest = make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(rest, args[i:]...), logFile, nil
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "log-file" {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, "", errors.New("--log-file needs a file name")
			}
			i++
			value = args[i]
		}
		if value == "" {
			return nil, "", errors.New("--log-file needs a file name")
		}
		logFile = value
	}
	return rest, logFile, nil
}
