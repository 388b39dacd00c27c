// Command reconbench measures the reconciler on simulated estates, one
// figure per subcommand, each printed as one JSON object on stdout.
// bench/run builds it, runs each subcommand several times and assembles
// the figures; see BENCHMARKS.md.
//
//	reconbench gen    --cache DIR --servers N --packages N --not-ready F --seed N
//	reconbench scan   --estate DIR [--runs N]
//	reconbench pass   --estate DIR --policy FILE [--runs N]
//	reconbench agents --policy FILE [--servers N] [--latency D] [--runs N]
//	reconbench plan   --policy FILE [--servers N] [--causes N] [--runs N]
//	reconbench sim    --reconciler BIN --scenario FILE --policy FILE [--runs N]
//	reconbench report --estate DIR --idle DIR --results DIR
//
// Times are wall-clock seconds of the operation alone: building the
// simulated site, opening files and starting the process are left out.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout io.Writer) error
}

var commands = map[string]command{
	"gen":    {"generate (once) a cached estate and print its description", runGen},
	"scan":   {"time the bare KB query over an estate's CMDB", runScan},
	"pass":   {"time one plan pass over an estate (observe CMDB and agents, plan)", runPass},
	"agents": {"time the observation of agents that answer after a delay", runAgents},
	"plan":   {"time the pure planner on many causes", runPlan},
	"sim":    {"time `reconciler sim` on a scenario", runSim},
	"report": {"assemble bench/run's figures into one JSON object", runReport},
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "reconbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usage()
	}
	c, ok := commands[args[0]]
	if !ok {
		return usage()
	}
	return c.run(ctx, args[1:], stdout)
}

func usage() error {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	msg := "usage: reconbench COMMAND [flags]\n"
	for _, n := range names {
		msg += fmt.Sprintf("  %-7s %s\n", n, commands[n].summary)
	}
	return fmt.Errorf("%s", msg)
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	return fs
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	return enc.Encode(v)
}

// median of the times, in seconds.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
