package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/bench/internal/estate"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/policy"
)

// runPass times one plan pass, as `reconciler plan` runs it
// (controller.PlanOnly: read the NS setting and the CMDB rows in question,
// observe the agents and NS snapshots the planner needs, plan), over an
// estate: the CMDB is the estate's SQLite file, read by cmdb.Reader with
// the production query; the NS and the agents are the estate's memory
// site, built from the same scenario and seed. Nothing is applied. The
// controller's journal says a sweep just ran, as a daemon's does between
// its hourly sweeps (--sweep times the sweep pass instead: the CMDB's
// server list and every agent).
func runPass(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("pass")
	dir := fs.String("estate", "", "estate folder (required)")
	polPath := fs.String("policy", "", "policy file (required)")
	runs := fs.Int("runs", 1, "passes to run, each with a fresh controller; the median is reported")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the passes to this file")
	memprofile := fs.String("memprofile", "", "write an allocation profile of the passes to this file")
	cacheMB := fs.Int("cache-mb", 0, "SQLite page cache of the connection, in MiB (0: SQLite's default, 2 MiB)")
	sweep := fs.Bool("sweep", false, "time a sweep pass (every server listed and observed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *polPath == "" {
		return errors.New("pass: --estate and --policy are required")
	}
	pol, err := policy.Load(*polPath)
	if err != nil {
		return err
	}
	site, err := estate.Site(*dir)
	if err != nil {
		return err
	}
	db, err := cmdb.Open(estate.DSN(*dir, *cacheMB))
	if err != nil {
		return err
	}
	defer db.Close()
	runtime.GC()
	before := rssMB()
	if *cpuprofile != "" {
		stop, err := startProfile(*cpuprofile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if *memprofile != "" {
		runtime.MemProfileRate = 4096
		defer writeMemProfile(*memprofile)
	}
	journal := ""
	if !*sweep {
		if journal, err = sweptJournal(); err != nil {
			return err
		}
		defer os.RemoveAll(filepath.Dir(journal))
	}
	var secs, cpu []float64
	var out passOut
	for range max(*runs, 1) {
		ctl, err := controller.New(controller.Options{Policy: pol, Clock: clock.NewFake(estate.Epoch),
			Site: controller.Site{CMDB: &cmdb.Reader{DB: db}, NS: site, Agents: site, Driver: site}})
		if err != nil {
			return err
		}
		if journal != "" {
			if err := ctl.Restore(journal); err != nil {
				return err
			}
		}
		start, cpu0 := time.Now(), cpuSeconds()
		res, err := ctl.PlanOnly(ctx)
		secs = append(secs, time.Since(start).Seconds())
		cpu = append(cpu, cpuSeconds()-cpu0)
		if err != nil {
			return err
		}
		obs := res.Obs
		if obs.CMDBErr != nil || obs.NSErr != nil {
			return fmt.Errorf("pass: observation failed: CMDB %v, NS %v", obs.CMDBErr, obs.NSErr)
		}
		out = passOut{Pairs: len(obs.Pairs()), Rejects: len(obs.Rejects), Agents: len(obs.Agents()),
			Actions: len(res.Plan.Actions), Notes: len(res.Plan.Notes)}
		runtime.KeepAlive(res)
	}
	out.Seconds, out.Runs, out.CPUSeconds = median(secs), secs, median(cpu)
	out.BaseRSSMB, out.PeakRSSMB = before, peakRSSMB()
	return writeJSON(stdout, out)
}

// sweptJournal writes a journal whose one pass_end record says a sweep
// ran at the estate's epoch.
func sweptJournal() (string, error) {
	dir, err := os.MkdirTemp("", "reconbench-journal")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "audit.jsonl")
	j, err := audit.Open(path, audit.Options{Clock: clock.NewFake(estate.Epoch)})
	if err != nil {
		return "", err
	}
	_, err = j.Append(audit.Record{Type: audit.TypePassEnd, Detail: audit.JSON(map[string]any{"sweep": true})})
	if cerr := j.Close(); err == nil {
		err = cerr
	}
	return path, err
}

// passOut is what `reconbench pass` prints.
type passOut struct {
	Seconds float64   `json:"seconds"`
	Runs    []float64 `json:"runs"`
	// CPUSeconds is the median CPU time of a pass, every goroutine and
	// the garbage collector included: less noisy than Seconds on a busy
	// machine.
	CPUSeconds float64 `json:"cpu_seconds"`
	// Pairs in question and rejected rows in the observation, agents
	// observed, actions and notes planned: the same every run.
	Pairs   int `json:"pairs_in_question"`
	Rejects int `json:"rejects"`
	Agents  int `json:"agents"`
	Actions int `json:"actions"`
	Notes   int `json:"notes"`
	// BaseRSSMB is the process's resident set before the first pass (the
	// runtime, the drivers and the memory site that plays the agents);
	// PeakRSSMB its peak over the whole run.
	BaseRSSMB float64 `json:"base_rss_mb"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
}
