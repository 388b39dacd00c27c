package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/simulate"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

func init() {
	register(command{name: "sim", summary: "simulate a scenario under the policy on virtual time (touches no site)", run: runSim})
}

// simFlags are the flags of `reconciler sim`.
type simFlags struct {
	scenario, report, html, audit, start string
}

// progressAfter is how long a simulation runs, on the wall clock, before
// it reports its progress on stderr.
const progressAfter = 2 * time.Second

func runSim(ctx context.Context, e *env, args []string) int {
	fs, c := newFlags(e, "sim")
	// The controller logs every action at info, and every pass a rejected
	// row at warn: the report says it all, so only errors by default.
	if e.global.logLevel == "" {
		lvl := fs.Lookup("log-level")
		lvl.DefValue = "error"
		_ = lvl.Value.Set("error")
	}
	var f simFlags
	fs.StringVar(&f.scenario, "scenario", "", "scenario: a JSON file (format: docs/design.md#11-scenarios-and-the-simulation-report) or a built-in name ("+strings.Join(scenario.BuiltinNames(), ", ")+")")
	fs.StringVar(&f.report, "report", "", "write the report JSON to this file instead of stdout")
	fs.StringVar(&f.html, "html", "", "also write a self-contained HTML report with charts to this file")
	fs.StringVar(&f.audit, "audit", "", "keep the simulation's journal in this file (new or empty); default: a temporary file, removed")
	fs.StringVar(&f.start, "start", "", "virtual start, RFC 3339 (default "+simulate.DefaultStart.Format(time.RFC3339)+", a Monday)")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return e.errorf("sim: unexpected argument %q", fs.Arg(0))
	}
	o, code := simOptions(e, c, f)
	if code != exitOK {
		return code
	}
	if o.AuditPath == "" {
		path, cleanup, err := simulate.TempJournal()
		if err != nil {
			return e.errorf("sim: %v", err)
		}
		defer cleanup()
		o.AuditPath = path
	}
	var wall clock.Clock = clock.Real{}
	if e.clock != nil {
		wall = e.clock
	}
	prog := &simulate.Progress{W: e.stderr, Wall: wall, After: progressAfter, Start: o.Start, End: o.End()}
	if o.Start.IsZero() {
		prog.Start, prog.End = simulate.DefaultStart, simulate.DefaultStart.Add(o.Scenario.Duration)
	}
	o.Progress = prog.Update
	res, err := simulate.Run(ctx, o)
	if err != nil {
		return e.errorf("sim: %v", err)
	}
	return writeSimOutputs(e, f, res)
}

// simOptions loads the policy and the scenario and parses the flags; on
// failure it has printed the problem and returns exitError.
func simOptions(e *env, c *common, f simFlags) (simulate.Options, int) {
	var o simulate.Options
	if f.scenario == "" {
		return o, e.errorf("sim: --scenario FILE|NAME is required")
	}
	log, err := c.logger(e)
	if err != nil {
		return o, e.errorf("%v", err)
	}
	path, err := c.absPolicy()
	if err != nil {
		return o, e.errorf("%v", err)
	}
	pol, err := policy.Load(path)
	if err != nil {
		return o, printPolicyError(e, err)
	}
	sc, err := loadScenario(f.scenario)
	if err != nil {
		return o, e.errorf("sim: %v", err)
	}
	o = simulate.Options{Policy: pol, Scenario: sc, AuditPath: f.audit, Logger: log}
	if f.start != "" {
		if o.Start, err = time.Parse(time.RFC3339, f.start); err != nil {
			return o, e.errorf("sim: --start %q: want RFC 3339, e.g. 2026-01-05T00:00:00Z", f.start)
		}
	}
	return o, exitOK
}

// loadScenario reads a scenario file, or a built-in scenario when name is
// one and no such file exists. Errors name the file, and for a file that
// does not parse, the line and column (scenario.Parse).
func loadScenario(name string) (*scenario.Scenario, error) {
	builtins := scenario.BuiltinNames()
	if slices.Contains(builtins, name) {
		if fi, err := os.Stat(name); err != nil || fi.IsDir() {
			return scenario.Builtin(name)
		}
	}
	sc, err := scenario.Load(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (built-in scenarios: %s)", err, strings.Join(builtins, ", "))
	}
	return sc, err
}

// writeSimOutputs writes the report (to --report or stdout) and the HTML.
func writeSimOutputs(e *env, f simFlags, res simulate.Result) int {
	js, err := res.Report.JSON()
	if err != nil {
		return e.errorf("sim: %v", err)
	}
	if f.html != "" {
		var page bytes.Buffer
		if err := simulate.WriteHTML(&page, res); err != nil {
			return e.errorf("sim: %v", err)
		}
		if err := writeOutput(f.html, page.Bytes()); err != nil {
			return e.errorf("sim: %v", err)
		}
	}
	if f.report == "" {
		if _, err := e.stdout.Write(js); err != nil {
			return e.errorf("sim: write report: %v", err)
		}
	} else if err := writeOutput(f.report, js); err != nil {
		return e.errorf("sim: %v", err)
	}
	fmt.Fprint(e.stderr, simulate.Summary(res))
	if f.report != "" {
		fmt.Fprintf(e.stderr, "  report in %s\n", f.report)
	}
	if f.html != "" {
		fmt.Fprintf(e.stderr, "  HTML report in %s\n", f.html)
	}
	return exitOK
}

// writeOutput writes data to path. It writes in place rather than through
// a renamed temporary file, so that a device or a pipe (/dev/stdout, a
// FIFO) or a symbolic link given as the path stays what it is.
func writeOutput(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
