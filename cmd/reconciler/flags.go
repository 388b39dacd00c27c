package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lmittmann/tint"
	"github.com/mattn/go-isatty"
	"golang.org/x/term"

	"github.com/itms-tools/reconciler/suggest"
	"github.com/itms-tools/reconciler/vocab"
)

// common holds the flags every command takes.
type common struct {
	policyPath string
	logLevel   string
}

// newFlags returns a flag set with the common flags registered; their
// defaults are the values given before the command, if any.
func newFlags(e *env, name string) (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet("reconciler "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	c := &common{}
	fs.StringVar(&c.policyPath, "policy", orDefault(e.global.policyPath, "policy.hcl"), "policy file")
	fs.StringVar(&c.logLevel, "log-level", orDefault(e.global.logLevel, "info"), "log level: debug, info, warn, error")
	return fs, c
}

func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// globalFlags are the flags that may come before the command.
var globalFlags = []string{"--policy", "--log-level", "--version", "--help"}

// parseGlobal reads the flags before the command into e.global and returns
// the rest. done is true when run must return code: --version or --help
// was answered, or a flag was wrong (the problem is printed).
func parseGlobal(e *env, args []string) (rest []string, code int, done bool) {
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		arg := args[0]
		args = args[1:]
		if arg == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		switch name {
		case "version":
			return nil, printVersion(e, false), true
		case "h", "help":
			usage(e.stderr)
			return nil, exitOK, true
		case "policy", "log-level":
			if !hasValue {
				if len(args) == 0 {
					return nil, e.errorf("flag needs an argument: --%s", name), true
				}
				value, args = args[0], args[1:]
			}
			if name == "policy" {
				e.global.policyPath = value
			} else {
				e.global.logLevel = value
			}
		default:
			return nil, e.errorf("unknown global flag %q%s; the command's own flags come after it",
				vocab.Clip(arg), suggest.Hint("--"+name, globalFlags)), true
		}
	}
	return args, exitOK, false
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "--h":
		return true
	}
	return false
}

// parseFlags parses args; done is true when the command must return code:
// help was asked (exit 0), or a flag was wrong (exit 1: the flag package's
// message, with a "did you mean" for a mistyped flag, and the usage).
func parseFlags(e *env, fs *flag.FlagSet, args []string) (code int, done bool) {
	var out strings.Builder
	fs.SetOutput(&out)
	err := fs.Parse(args)
	fs.SetOutput(e.stderr)
	text := out.String()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		text = flagHint(fs, text)
	}
	io.WriteString(e.stderr, text)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, true
	case err != nil:
		return exitError, true
	}
	return exitOK, false
}

// parseInterspersedFlags parses flags placed before, between or after the
// positional arguments (status PS001 --json) and returns the latter; done
// as for parseFlags.
func parseInterspersedFlags(e *env, fs *flag.FlagSet, args []string) (pos []string, code int, done bool) {
	for {
		if code, done := parseFlags(e, fs, args); done {
			return nil, code, true
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, exitOK, false
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

// flagHint adds "(did you mean -json?)" to the flag package's first line
// "flag provided but not defined: -jsno".
func flagHint(fs *flag.FlagSet, text string) string {
	const undefined = "flag provided but not defined: "
	first, rest, _ := strings.Cut(text, "\n")
	bad, ok := strings.CutPrefix(first, undefined)
	if !ok {
		return text
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, "-"+f.Name) })
	return first + suggest.Hint("-"+strings.TrimLeft(bad, "-"), names) + "\n" + rest
}

// logger builds the process logger: tint on a terminal, JSON otherwise.
func (c *common) logger(e *env) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.logLevel)
	}
	return newLogger(e.stderr, lvl, e.isTerminal(e.stderr)), nil
}

func newLogger(w io.Writer, lvl slog.Level, terminal bool) *slog.Logger {
	if terminal {
		return slog.New(tint.NewHandler(w, &tint.Options{Level: lvl, TimeFormat: time.TimeOnly}))
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl}))
}

// absPolicy returns the absolute path of the policy file.
func (c *common) absPolicy() (string, error) {
	p, err := filepath.Abs(c.policyPath)
	if err != nil {
		return "", fmt.Errorf("policy path %q: %w", c.policyPath, err)
	}
	return p, nil
}

// termWidth is the width of the terminal w is, 0 when unknown.
func termWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil || width <= 0 {
		return 0
	}
	return width
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// splitVerb returns the first non-flag argument as a verb and the rest.
func splitVerb(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

// noVerb answers a command with verbs (policy, breaker, service) called with
// no verb or an unknown one: the usage, and exit 0 only for an explicit -h.
func noVerb(e *env, name, verb string, rest []string, usage func(io.Writer)) int {
	if verb != "" {
		fmt.Fprintf(e.stderr, "reconciler %s: unknown verb %q%s\n\n", name, vocab.Clip(verb), suggest.Hint(verb, knownVerbs[name]))
		usage(e.stderr)
		return exitError
	}
	usage(e.stderr)
	if len(rest) > 0 && isHelp(rest[0]) {
		return exitOK
	}
	return exitError
}
