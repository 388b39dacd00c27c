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
	mode := fs.String("mode", "planonly", "planonly: controller.PlanOnly; daemon: ReconcileOnce in dry-run with the journal; enforce: ReconcileOnce applying, with the journal")
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
	switch *mode {
	case "planonly", "enforce":
	case "daemon":
		pol.Mode = policy.DryRun
	default:
		return fmt.Errorf("pass: --mode %q: planonly, daemon or enforce", *mode)
	}
	if *mode == "enforce" {
		pol.Mode = policy.Enforce
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
	var secs, cpu []float64
	var out passOut
	for range max(*runs, 1) {
		p := passer{mode: *mode, sweep: *sweep, dir: *dir, pol: pol,
			site: controller.Site{CMDB: &cmdb.Reader{DB: db}, NS: site, Agents: site, Driver: site}}
		ctl, done, err := p.controller()
		if err != nil {
			return err
		}
		start, cpu0 := time.Now(), cpuSeconds()
		res, err := p.run(ctx, ctl)
		secs = append(secs, time.Since(start).Seconds())
		cpu = append(cpu, cpuSeconds()-cpu0)
		if derr := done(); err == nil {
			err = derr
		}
		if err != nil {
			return err
		}
		obs := res.Obs
		if obs.CMDBErr != nil || obs.NSErr != nil {
			return fmt.Errorf("pass: observation failed: CMDB %v, NS %v", obs.CMDBErr, obs.NSErr)
		}
		out = passOut{Pairs: len(obs.Pairs()), Rejects: len(obs.Rejects), Agents: len(obs.Agents()),
			Actions: len(res.Plan.Actions), Notes: len(res.Plan.Notes), Records: p.records}
		runtime.KeepAlive(res)
	}
	out.Seconds, out.Runs, out.CPUSeconds = median(secs), secs, median(cpu)
	out.BaseRSSMB, out.PeakRSSMB = before, peakRSSMB()
	return writeJSON(stdout, out)
}

// passer builds the controller of one timed pass and runs it.
type passer struct {
	mode    string // planonly, daemon, enforce
	sweep   bool
	dir     string // the estate's folder: the daemon's journal goes beside it, on the same disk
	pol     *policy.Policy
	site    controller.Site
	journal *audit.Journal
	first   int64 // the journal's head before the pass
	records int64 // records the pass wrote (daemon, enforce)
}

// controller returns a fresh controller, restored from a journal that says
// a sweep just ran (unless sweep); done closes and removes that journal.
func (p *passer) controller() (*controller.Controller, func() error, error) {
	path := ""
	if !p.sweep || p.mode != "planonly" {
		var err error
		if path, err = sweptJournal(filepath.Dir(p.dir), !p.sweep); err != nil {
			return nil, nil, err
		}
	}
	done := func() error {
		var err error
		if p.journal != nil {
			seq, _ := p.journal.Head()
			p.records = seq - p.first
			err = p.journal.Close()
		}
		if path != "" {
			err = errors.Join(err, os.RemoveAll(filepath.Dir(path)))
		}
		return err
	}
	opt := controller.Options{Policy: p.pol, Clock: clock.NewFake(estate.Epoch), Site: p.site}
	if p.mode != "planonly" {
		j, err := audit.Open(path, audit.Options{Clock: clock.NewFake(estate.Epoch)})
		if err != nil {
			return nil, done, errors.Join(err, done())
		}
		p.journal, opt.Journal = j, j
		p.first, _ = j.Head()
	}
	ctl, err := controller.New(opt)
	if err != nil {
		return nil, nil, errors.Join(err, done())
	}
	if path != "" {
		if err := ctl.Restore(path); err != nil {
			return nil, nil, errors.Join(err, done())
		}
	}
	return ctl, done, nil
}

func (p *passer) run(ctx context.Context, ctl *controller.Controller) (controller.PassResult, error) {
	if p.mode == "planonly" {
		return ctl.PlanOnly(ctx)
	}
	return ctl.ReconcileOnce(ctx)
}

// sweptJournal writes a journal, in a new folder under parent, whose one
// pass_end record says a sweep ran at the estate's epoch (or, unless
// swept, no record at all).
func sweptJournal(parent string, swept bool) (string, error) {
	dir, err := os.MkdirTemp(parent, "reconbench-journal")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "audit.jsonl")
	j, err := audit.Open(path, audit.Options{Clock: clock.NewFake(estate.Epoch)})
	if err != nil {
		return "", err
	}
	if !swept {
		return path, j.Close()
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
	// Records counts the journal records the pass wrote (daemon, enforce).
	Records int64 `json:"records,omitempty"`
	// BaseRSSMB is the process's resident set before the first pass (the
	// runtime, the drivers and the memory site that plays the agents);
	// PeakRSSMB its peak over the whole run.
	BaseRSSMB float64 `json:"base_rss_mb"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
}
