package main

import (
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

	"github.com/itms-tools/reconciler/vocab"
)

// common holds the flags every command takes.
type common struct {
	policyPath string
	logLevel   string
}

// newFlags returns a flag set with the common flags registered.
func newFlags(e *env, name string) (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet("reconciler "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	c := &common{}
	fs.StringVar(&c.policyPath, "policy", "policy.hcl", "policy file")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	return fs, c
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
		fmt.Fprintf(e.stderr, "reconciler %s: unknown verb %q\n\n", name, vocab.Clip(verb))
		usage(e.stderr)
		return exitError
	}
	usage(e.stderr)
	if len(rest) > 0 && (rest[0] == "-h" || rest[0] == "--help" || rest[0] == "-help") {
		return exitOK
	}
	return exitError
}
