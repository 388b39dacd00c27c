package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/doctor"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/redact"
	site "github.com/itms-tools/reconciler/siteopen"
)

func init() {
	register(command{name: "doctor", summary: "check, read-only, that the policy, CMDB, NS, package servers, journal and HTTP address are ready", run: runDoctor})
}

func runDoctor(ctx context.Context, e *env, args []string) int {
	fs, c := newFlags(e, "doctor")
	asJSON := fs.Bool("json", false, "print JSON")
	if e.global.logLevel == "" {
		_ = fs.Lookup("log-level").Value.Set("error") // the table says what matters
		fs.Lookup("log-level").DefValue = "error"
	}
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: reconciler doctor [--json] [--policy FILE]")
		fmt.Fprintln(fs.Output(), "\nChecks, read-only, what a first enforce needs: the policy; the CMDB (connection, rights,")
		fmt.Fprintln(fs.Output(), "schema); the NS and every package server in scope (one login attempt per credential);")
		fmt.Fprintln(fs.Output(), "the journal, its lock and its anchor; the leader lock; the HTTP listen address.")
		fmt.Fprintln(fs.Output(), "Exit 0 when nothing fails (warnings pass), 1 otherwise.\n\nflags:")
		fs.PrintDefaults()
	}
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return e.errorf("doctor: unexpected argument %q", fs.Arg(0))
	}
	log, err := c.logger(e)
	if err != nil {
		return e.errorf("%v", err)
	}
	checks, closeSite := doctorChecks(ctx, e, c, log)
	defer closeSite()
	rep := doctor.Run(ctx, checks)
	if *asJSON {
		err = doctor.WriteJSON(e.stdout, rep)
	} else {
		err = doctor.WriteTable(e.stdout, rep)
	}
	if err != nil {
		return e.errorf("doctor: write: %v", err)
	}
	if !rep.OK {
		return exitError
	}
	return exitOK
}

// doctorChecks loads the policy and opens its site, and returns the
// checks in order; closeSite releases the site.
func doctorChecks(ctx context.Context, e *env, c *common, log *slog.Logger) ([]doctor.Check, func()) {
	noop := func() {}
	path, err := c.absPolicy()
	var pol *policy.Policy
	if err == nil {
		pol, err = policy.Load(path)
	}
	if pol == nil {
		return []doctor.Check{doctor.PolicyCheck(c.policyPath, nil, err, nil)}, noop
	}
	local := []doctor.Check{
		doctor.JournalCheck(pol.Audit.Path, anchorFor(pol.Audit.Path)),
		doctor.ListenCheck(pol.HTTP.Listen, e.probe),
	}
	if pol.Site.Kind == "sim" && !exists(pol.Site.Sim.Dir) {
		missing := doctor.Func("site", func(context.Context) []doctor.Result {
			return []doctor.Result{{Target: pol.Site.Sim.Dir, Status: doctor.Warn,
				Detail: "the simulated site does not exist yet: the first run creates it from scenario " + pol.Site.Sim.Scenario,
				Fix:    "run reconciler status (or run) once, then doctor checks the site too"}}
		})
		return append([]doctor.Check{doctor.PolicyCheck(c.policyPath, pol, nil, nil), missing}, local...), noop
	}
	var clk clock.Clock = clock.Real{}
	if e.clock != nil {
		clk = e.clock
	}
	secrets := &redact.Set{}
	opened, err := site.Open(ctx, pol, clk, slog.New(redact.NewHandler(log.Handler(), secrets)))
	if err != nil {
		failed := doctor.Func("site", func(context.Context) []doctor.Result {
			return []doctor.Result{{Status: doctor.Fail, Detail: err.Error(),
				Fix: "the site block's settings, secrets (environment variables, files) and files (ca_file, krb5_conf) must be readable"}}
		})
		return append([]doctor.Check{doctor.PolicyCheck(c.policyPath, pol, nil, nil), failed}, local...), noop
	}
	secrets.Use(opened.Secrets)
	e.stdout = redact.NewWriter(e.stdout, secrets)
	e.stderr = redact.NewWriter(e.stderr, secrets)
	checks := []doctor.Check{doctor.PolicyCheck(c.policyPath, pol, nil, opened.Notes)}
	checks = append(checks, doctor.SiteChecks(doctor.Site{CMDB: opened.CMDB, NS: opened.NS, Agents: opened.Agents,
		Schema: opened.Schema, InScope: pol.Scope.Match, Concurrency: pol.Reconcile.Concurrency,
		CallTimeout: pol.Reconcile.CallTimeout, Lock: opened.Lock})...)
	return append(checks, local...), func() { opened.Close() }
}

// anchorFor compares the journal at path with its anchor, for doctor.
func anchorFor(path string) func() (audit.AnchorCheck, bool, error) {
	return func() (audit.AnchorCheck, bool, error) {
		key, err := readKey(path)
		if errors.Is(err, fs.ErrNotExist) {
			return audit.AnchorCheck{}, false, nil
		}
		if err != nil {
			return audit.AnchorCheck{}, false, err
		}
		ac, err := audit.CheckAnchor(path, key)
		return ac, err == nil, err
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
