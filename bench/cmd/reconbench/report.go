package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/itms-tools/reconciler/bench/internal/estate"
)

// runReport assembles the figures bench/run collected in a folder into
// the one JSON object it prints: medians over the runs, the ratios, the
// highest peak resident set of the pass processes.
func runReport(_ context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("report")
	busy := fs.String("estate", "", "the estate measured (required)")
	idle := fs.String("idle", "", "the idle estate measured (required)")
	dir := fs.String("results", "", "folder of the runs' JSON lines (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *busy == "" || *idle == "" || *dir == "" {
		return errors.New("report: --estate, --idle and --results are required")
	}
	m, err := estate.ReadMeta(*busy)
	if err != nil {
		return err
	}
	var r result
	r.Servers, r.Packages, r.Pairs, r.NotReady = m.Servers, m.Packages, m.Pairs, m.NotReady
	var passes []passOut
	steps := []struct {
		file string
		into func([]json.RawMessage) error
	}{
		{"scan.jsonl", func(ls []json.RawMessage) error { return medianOf(ls, &r.ScanSeconds) }},
		{"pass.jsonl", func(ls []json.RawMessage) error {
			for _, l := range ls {
				var p passOut
				if err := json.Unmarshal(l, &p); err != nil {
					return err
				}
				passes = append(passes, p)
			}
			return medianOf(ls, &r.PassSeconds)
		}},
		{"idle-scan.jsonl", func(ls []json.RawMessage) error { return medianOf(ls, &r.IdleScanSeconds) }},
		{"idle-pass.jsonl", func(ls []json.RawMessage) error { return medianOf(ls, &r.IdlePassSeconds) }},
		{"agents.jsonl", func(ls []json.RawMessage) error { return medianOf(ls, &r.ObserveAgentsSeconds) }},
		{"plan.jsonl", func(ls []json.RawMessage) error { return medianOf(ls, &r.PlanSeconds) }},
		{"sim.jsonl", func(ls []json.RawMessage) error { return medianOf(ls, &r.SimSeconds) }},
	}
	for _, s := range steps {
		lines, err := readLines(filepath.Join(*dir, s.file))
		if errors.Is(err, os.ErrNotExist) && optional[s.file] {
			continue // left null
		}
		if err != nil {
			return err
		}
		if err := s.into(lines); err != nil {
			return fmt.Errorf("report: %s: %w", s.file, err)
		}
	}
	r.PassOverScan = ratio(*r.PassSeconds.v, *r.ScanSeconds.v)
	r.IdleOverScan = ratio(*r.IdlePassSeconds.v, *r.IdleScanSeconds.v)
	for _, p := range passes {
		r.PeakRSSMB = math.Max(r.PeakRSSMB, round(p.PeakRSSMB, 1))
		r.PassActions, r.PassAgents = p.Actions, p.Agents
	}
	r.Runs = len(passes)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// optional are the figures bench/run may skip (--pass-only, --no-sim).
var optional = map[string]bool{"agents.jsonl": true, "plan.jsonl": true, "sim.jsonl": true}

// result is the JSON bench/run prints; BENCHMARKS.md explains each field.
type result struct {
	Servers              int      `json:"servers"`
	Packages             int      `json:"packages"`
	Pairs                int      `json:"pairs"`
	NotReady             int      `json:"not_ready"`
	ScanSeconds          seconds  `json:"scan_seconds"`
	PassSeconds          seconds  `json:"pass_seconds"`
	PassOverScan         float64  `json:"pass_over_scan"`
	IdleScanSeconds      seconds  `json:"idle_scan_seconds"`
	IdlePassSeconds      seconds  `json:"idle_pass_seconds"`
	IdleOverScan         float64  `json:"idle_over_scan"`
	PeakRSSMB            float64  `json:"peak_rss_mb"`
	ObserveAgentsSeconds *seconds `json:"observe_agents_seconds"`
	PlanSeconds          *seconds `json:"plan_seconds_10k_causes"`
	SimSeconds           *seconds `json:"sim_seconds"`
	// What the pass did, and over how many runs the medians are.
	PassAgents  int `json:"pass_agents_observed"`
	PassActions int `json:"pass_actions_planned"`
	Runs        int `json:"runs"`
}

// seconds is a median time, printed to the millisecond.
type seconds struct{ v *float64 }

func (s seconds) MarshalJSON() ([]byte, error) {
	if s.v == nil {
		return []byte("null"), nil
	}
	return json.Marshal(round(*s.v, 3))
}

// medianOf stores the median of the lines' "seconds".
func medianOf(lines []json.RawMessage, dst any) error {
	var xs []float64
	for _, l := range lines {
		var v struct {
			Seconds float64 `json:"seconds"`
		}
		if err := json.Unmarshal(l, &v); err != nil {
			return err
		}
		xs = append(xs, v.Seconds)
	}
	if len(xs) == 0 {
		return errors.New("no runs")
	}
	m := median(xs)
	switch d := dst.(type) {
	case *seconds:
		d.v = &m
	case **seconds:
		*d = &seconds{v: &m}
	}
	return nil
}

func readLines(path string) ([]json.RawMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []json.RawMessage
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if len(sc.Bytes()) > 0 {
			out = append(out, json.RawMessage(append([]byte(nil), sc.Bytes()...)))
		}
	}
	return out, sc.Err()
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return round(a/b, 2)
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}
