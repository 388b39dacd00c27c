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
	"slices"

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
	if err := r.ratios(*dir); err != nil {
		return err
	}
	for _, p := range passes {
		r.PeakRSSMB = math.Max(r.PeakRSSMB, round(p.PeakRSSMB, 1))
		r.PassActions, r.PassAgents = p.Actions, p.Agents
	}
	r.Runs = len(passes)
	if rss, ok, err := peakOf(*dir, "incident-pass.jsonl", "credential-pass.jsonl"); err != nil {
		return err
	} else if ok {
		r.IncidentRSSMB = &rss
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// optional are the figures bench/run may skip (--pass-only, --no-sim).
var optional = map[string]bool{"agents.jsonl": true, "plan.jsonl": true, "sim.jsonl": true}

// ratioCase is one ratio of the report: the runs of num over those of den,
// paired in the order they ran (alternating).
type ratioCase struct {
	name     string
	num, den string // files of the results folder
	into     func(*result) **float64
}

var ratioCases = []ratioCase{
	{"pass_over_scan", "pass.jsonl", "scan.jsonl", nil},
	{"idle_over_scan", "idle-pass.jsonl", "idle-scan.jsonl", nil},
	{"pass_over_floor", "floor-pass.jsonl", "floor-scan.jsonl", func(r *result) **float64 { return &r.PassOverFloor }},
	{"noindex_over_scan", "noindex-pass.jsonl", "noindex-scan.jsonl", func(r *result) **float64 { return &r.NoIndexOverScan }},
	{"incident_over_scan", "incident-pass.jsonl", "incident-scan.jsonl", func(r *result) **float64 { return &r.IncidentOverScan }},
	{"incident_credential_over_scan", "credential-pass.jsonl", "credential-scan.jsonl", func(r *result) **float64 { return &r.CredentialOverScan }},
	{"heavy_over_scan", "heavy-pass.jsonl", "heavy-scan.jsonl", func(r *result) **float64 { return &r.HeavyOverScan }},
	{"daemon_over_planonly", "daemon.jsonl", "planonly.jsonl", func(r *result) **float64 { return &r.DaemonOverPlanOnly }},
	{"enforce_over_planonly", "enforce.jsonl", "planonly.jsonl", func(r *result) **float64 { return &r.EnforceOverPlanOnly }},
}

// spread is a ratio's min, median and max over paired runs, of wall and
// of CPU time, and how many pairs.
type spread struct {
	Wall [3]float64 `json:"wall"`
	CPU  [3]float64 `json:"cpu"`
	N    int        `json:"n"`
}

// ratios fills the ratio fields and Spread from the runs in dir; a case
// whose files are missing stays null.
func (r *result) ratios(dir string) error {
	r.Spread = map[string]spread{}
	for _, c := range ratioCases {
		num, err := timesOf(filepath.Join(dir, c.num))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		den, err := timesOf(filepath.Join(dir, c.den))
		if err != nil {
			return err
		}
		sp, err := pairRatios(num, den)
		if err != nil {
			return fmt.Errorf("report: %s: %w", c.name, err)
		}
		r.Spread[c.name] = sp
		med := sp.Wall[1]
		switch {
		case c.into != nil:
			*c.into(r) = &med
		case c.name == "pass_over_scan":
			r.PassOverScan = med
		default:
			r.IdleOverScan = med
		}
	}
	if rec, err := recordsOf(filepath.Join(dir, "daemon.jsonl")); err == nil {
		r.DaemonRecords = &rec
	}
	return nil
}

// times are the wall and CPU seconds of a file's runs, in order.
type times struct{ wall, cpu []float64 }

func timesOf(path string) (times, error) {
	lines, err := readLines(path)
	if err != nil {
		return times{}, err
	}
	var t times
	for _, l := range lines {
		var v struct {
			Seconds    float64 `json:"seconds"`
			CPUSeconds float64 `json:"cpu_seconds"`
		}
		if err := json.Unmarshal(l, &v); err != nil {
			return times{}, fmt.Errorf("%s: %w", path, err)
		}
		t.wall, t.cpu = append(t.wall, v.Seconds), append(t.cpu, v.CPUSeconds)
	}
	return t, nil
}

// pairRatios divides the i-th run of num by the i-th of den.
func pairRatios(num, den times) (spread, error) {
	n := min(len(num.wall), len(den.wall))
	if n == 0 {
		return spread{}, errors.New("no runs")
	}
	var wall, cpu []float64
	for i := range n {
		if den.wall[i] > 0 {
			wall = append(wall, num.wall[i]/den.wall[i])
		}
		if den.cpu[i] > 0 {
			cpu = append(cpu, num.cpu[i]/den.cpu[i])
		}
	}
	return spread{Wall: minMedMax(wall), CPU: minMedMax(cpu), N: n}, nil
}

func minMedMax(xs []float64) [3]float64 {
	if len(xs) == 0 {
		return [3]float64{}
	}
	return [3]float64{round(slices.Min(xs), 2), round(median(xs), 2), round(slices.Max(xs), 2)}
}

// peakOf is the highest peak RSS of the pass runs in the files present.
func peakOf(dir string, files ...string) (float64, bool, error) {
	peak, found := 0.0, false
	for _, f := range files {
		lines, err := readLines(filepath.Join(dir, f))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, false, err
		}
		for _, l := range lines {
			var p passOut
			if err := json.Unmarshal(l, &p); err != nil {
				return 0, false, fmt.Errorf("%s: %w", f, err)
			}
			peak, found = math.Max(peak, round(p.PeakRSSMB, 1)), true
		}
	}
	return peak, found, nil
}

// recordsOf is the journal records of a daemon pass.
func recordsOf(path string) (int64, error) {
	lines, err := readLines(path)
	if err != nil || len(lines) == 0 {
		return 0, errors.Join(err, os.ErrNotExist)
	}
	var p passOut
	err = json.Unmarshal(lines[0], &p)
	return p.Records, err
}

// result is the JSON bench/run prints; BENCHMARKS.md explains each field.
type result struct {
	Servers         int     `json:"servers"`
	Packages        int     `json:"packages"`
	Pairs           int     `json:"pairs"`
	NotReady        int     `json:"not_ready"`
	ScanSeconds     seconds `json:"scan_seconds"`
	PassSeconds     seconds `json:"pass_seconds"`
	PassOverScan    float64 `json:"pass_over_scan"`
	IdleScanSeconds seconds `json:"idle_scan_seconds"`
	IdlePassSeconds seconds `json:"idle_pass_seconds"`
	IdleOverScan    float64 `json:"idle_over_scan"`
	PeakRSSMB       float64 `json:"peak_rss_mb"`
	// The ratios of issue 17, each the median of the ratios of runs
	// paired in alternation (null when the case was not run); Spread has
	// their min, median and max, wall and CPU.
	PassOverFloor        *float64 `json:"pass_over_floor"`
	NoIndexOverScan      *float64 `json:"noindex_over_scan"`
	IncidentOverScan     *float64 `json:"incident_over_scan"`
	CredentialOverScan   *float64 `json:"incident_credential_over_scan"`
	IncidentRSSMB        *float64 `json:"incident_rss_mb"`
	HeavyOverScan        *float64 `json:"heavy_over_scan"`
	DaemonOverPlanOnly   *float64 `json:"daemon_over_planonly"`
	EnforceOverPlanOnly  *float64 `json:"enforce_over_planonly"`
	DaemonRecords        *int64   `json:"daemon_records"`
	ObserveAgentsSeconds *seconds `json:"observe_agents_seconds"`
	PlanSeconds          *seconds `json:"plan_seconds_10k_causes"`
	SimSeconds           *seconds `json:"sim_seconds"`
	// What the pass did, and over how many runs the medians are.
	PassAgents  int `json:"pass_agents_observed"`
	PassActions int `json:"pass_actions_planned"`
	Runs        int `json:"runs"`
	// Spread is each ratio's min, median and max over the paired runs.
	Spread map[string]spread `json:"spread"`
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

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}
