// Command reconciler keeps the Package Servers of an ITMS 8.x Notification
// Server healthy: it observes the CMDB and the agents, plans the smallest
// set of actions from KB 179719, and applies them under the limits, windows
// and approvals of policy.hcl, with an audit journal.
//
// Each subcommand lives in its own file and registers itself in commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/daemon"
	"github.com/itms-tools/reconciler/suggest"
	"github.com/itms-tools/reconciler/vocab"
)

// Exit codes. They are a contract: scripts depend on them.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // plan --detailed-exitcode: actions pending
)

// command is one subcommand. run receives the arguments after its name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) int
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// env is what a command may touch of the outside world, so that tests can
// run commands in-process.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// isTerminal reports whether w is a terminal (tables and colour).
	isTerminal func(w io.Writer) bool
	// termWidth is the width of the terminal w is, 0 when it is none or
	// its width is unknown; nil means 0.
	termWidth func(w io.Writer) int
	// clock is the wall clock in production, a fake in tests.
	clock clock.Clock
	// witness opens the OS log that keeps a copy of each journal anchor;
	// nil (tests) keeps them in the anchor file only.
	witness func() (audit.Witness, error)
	// probe asks a daemon's health endpoint (status); nil (tests) asks none.
	probe func(url string) (healthy bool, message string, err error)
	// global holds the common flags given before the command
	// (`reconciler --policy p.hcl status`); empty fields were not given.
	global common
	// notifier is told of the daemon's start, reloads and stop; nil means
	// systemd's notify socket when there is one (package sdnotify). The
	// Windows service sets one that reports Running to the SCM.
	notifier daemon.ServiceManager
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, isTerminal: isTerminal, termWidth: termWidth, clock: clock.Real{},
		witness: openWitness, probe: probeHealth}
	if handled, code := runAsService(ctx, e, os.Args[1:]); handled {
		os.Exit(code)
	}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// run dispatches to a subcommand and returns the exit code. Common flags
// (--policy, --log-level) may come before the command; --version and
// --help too.
func run(ctx context.Context, e *env, args []string) int {
	args, code, done := parseGlobal(e, args)
	if done {
		return code
	}
	if len(args) == 0 || isHelp(args[0]) || args[0] == "help" {
		usage(e.stderr)
		if len(args) == 0 {
			return exitError
		}
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "reconciler: unknown command %q%s\n\n", vocab.Clip(args[0]), suggest.Hint(args[0], commandNames()))
		usage(e.stderr)
		return exitError
	}
	return c.run(ctx, e, args[1:])
}

// knownVerbs lists the verbs of the commands that take one, for "did you
// mean" hints.
var knownVerbs = map[string][]string{
	"audit":   {"verify", "export"},
	"breaker": {"status", "reset"},
	"notify":  {"test"},
	"policy":  {"check"},
	"service": {"install", "uninstall", "start", "stop", "status"},
}

// commandNames returns the command names, sorted.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: reconciler [--policy FILE] [--log-level LEVEL] COMMAND [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --policy FILE (default policy.hcl) and --log-level LEVEL,")
	fmt.Fprintln(w, "before or after its name. Run 'reconciler COMMAND -h' for its flags;")
	fmt.Fprintln(w, "'reconciler --version' for the build.")
}

// width is the width of the terminal w is, 0 when it is none.
func (e *env) width(w io.Writer) int {
	if e.termWidth == nil || !e.isTerminal(w) {
		return 0
	}
	return e.termWidth(w)
}

// errorf prints a one-line error for the user and returns exitError.
func (e *env) errorf(format string, a ...any) int {
	msg := fmt.Sprintf(format, a...)
	fmt.Fprintln(e.stderr, "reconciler: "+strings.TrimRight(msg, "\n"))
	return exitError
}
