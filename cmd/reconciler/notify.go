package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/itms-tools/reconciler/daemon"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/redact"
)

func init() {
	register(command{
		name:    "notify",
		summary: "send a test notification: notify test NAME",
		run:     runNotify,
	})
}

// runNotify dispatches the notify verbs. Today there is one: test.
func runNotify(ctx context.Context, e *env, args []string) int {
	verb, rest := splitVerb(args)
	if verb == "test" {
		return notifyTest(ctx, e, rest)
	}
	return noVerb(e, "notify", verb, rest, notifyUsage)
}

func notifyUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: reconciler notify test [--policy FILE] NAME")
	fmt.Fprintln(w, "\nSends one test message to the receiver of the policy's notify \"NAME\" block,")
	fmt.Fprintln(w, "now, without retries, and prints the outcome: exit 0 delivered, 1 not.")
}

// notifyTest sends a test event to one receiver.
func notifyTest(ctx context.Context, e *env, args []string) int {
	fs, c := newFlags(e, "notify test")
	fs.Usage = func() {
		notifyUsage(fs.Output())
		fmt.Fprintln(fs.Output(), "\nflags:")
		fs.PrintDefaults()
	}
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() != 1 {
		notifyUsage(e.stderr)
		return exitError
	}
	pol, code := loadPolicy(e, c)
	if pol == nil {
		return code
	}
	name := fs.Arg(0)
	cfg, ok := receiverConfig(pol, name)
	if !ok {
		return e.errorf("notify test: no notify %q block in %s (receivers: %s)", name, pol.File, daemon.ReceiverNames(pol))
	}
	r, err := notify.BuildOne(cfg, buildOptions(e))
	if err != nil {
		return e.errorf("%v", err)
	}
	secrets := &redact.Set{}
	secrets.Use(func() []string { return r.Secrets })
	out, errOut := redact.NewWriter(e.stdout, secrets), redact.NewWriter(e.stderr, secrets)
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	host, _ := os.Hostname()
	ev := notify.TestEvent(e.clock.Now(), "reconciler notify test on "+host)
	ev.Subject.NS = siteName(pol)
	if err := r.Test(ctx, ev); err != nil {
		fmt.Fprintf(errOut, "not delivered to %s (%s): %v\n", name, cfg.Type, err)
		return exitError
	}
	fmt.Fprintf(out, "delivered a test message to %s (%s)\n", name, cfg.Type)
	return exitOK
}

func receiverConfig(p *policy.Policy, name string) (notify.Config, bool) {
	for _, c := range p.Notify {
		if c.Name == name {
			return c, true
		}
	}
	return notify.Config{}, false
}

// buildOptions reads secrets through the command's environment.
func buildOptions(e *env) notify.BuildOptions {
	return notify.BuildOptions{Getenv: e.getenv, Clock: e.clock}
}

// siteName is what events name as their NS.
func siteName(p *policy.Policy) string {
	if p.Site.ITMS != nil {
		return string(p.Site.ITMS.NS.Host)
	}
	return "simulated site"
}
