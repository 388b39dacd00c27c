package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// runSim times `reconciler sim` on a scenario, run as its own process by
// the binary given, and checks its report: the simulation must converge
// and keep every limit.
func runSim(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("sim")
	bin := fs.String("reconciler", "", "the reconciler binary (required)")
	scenario := fs.String("scenario", "", "scenario file (required)")
	polPath := fs.String("policy", "", "policy file (required)")
	runs := fs.Int("runs", 1, "simulations to time; the median is reported")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bin == "" || *scenario == "" || *polPath == "" {
		return errors.New("sim: --reconciler, --scenario and --policy are required")
	}
	var secs []float64
	var rep simReport
	for range max(*runs, 1) {
		var out, errOut bytes.Buffer
		cmd := exec.CommandContext(ctx, *bin, "sim", "--scenario", *scenario, "--policy", *polPath)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		start := time.Now()
		err := cmd.Run()
		secs = append(secs, time.Since(start).Seconds())
		if err != nil {
			os.Stderr.Write(errOut.Bytes())
			return fmt.Errorf("sim: %w", err)
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			return fmt.Errorf("sim: report: %w", err)
		}
		if !rep.Converged || rep.LimitViolations != 0 || rep.UnsafePaths != 0 || !rep.AuditChainValid {
			return fmt.Errorf("sim: %s did not end well: %s", *scenario, out.Bytes())
		}
	}
	return writeJSON(stdout, map[string]any{"seconds": median(secs), "runs": secs, "scenario": rep.Scenario,
		"converged_after": rep.ConvergedAfter})
}

// simReport is the part of the simulation report the bench checks.
type simReport struct {
	Scenario        string `json:"scenario"`
	Converged       bool   `json:"converged"`
	ConvergedAfter  string `json:"converged_after"`
	LimitViolations int    `json:"limit_violations"`
	UnsafePaths     int    `json:"unsafe_paths_touched"`
	AuditChainValid bool   `json:"audit_chain_valid"`
}
