package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/itms-tools/reconciler/bench/internal/estate"
)

// runGen generates an estate into the cache unless it is there, and
// prints its Meta with its folder.
func runGen(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("gen")
	cache := fs.String("cache", "", "cache folder (required)")
	var s estate.Spec
	fs.IntVar(&s.Servers, "servers", 1000, "package servers")
	fs.IntVar(&s.Packages, "packages", 2000, "packages (each on every server)")
	fs.Float64Var(&s.NotReady, "not-ready", 0.02, "share of pairs broken, 0 to 0.5 (0: an idle estate)")
	fs.Float64Var(&s.PerPackage, "per-package", estate.DefaultPerPackage, "share of the broken pairs broken package by package, 0 to 1")
	fs.Int64Var(&s.Seed, "seed", 1, "seed of the simulated site")
	fs.StringVar(&s.Incident, "incident", "", "put this whole-server fault on every server (status_lost, credential_not_received)")
	fs.IntVar(&s.StaleOnOne, "stale-on-one", 0, "stale PS snapshots on one more server")
	fs.BoolVar(&s.NoStatusIndex, "no-status-index", false, "leave IX_SWDPackageServer_Status out of the CMDB")
	dirOnly := fs.Bool("print-dir", false, "print only the estate's folder")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cache == "" {
		return errors.New("gen: --cache is required")
	}
	m, err := estate.Ensure(ctx, *cache, s)
	if err != nil {
		return err
	}
	if *dirOnly {
		_, err := fmt.Fprintln(stdout, estate.Dir(*cache, s))
		return err
	}
	return writeJSON(stdout, struct {
		Dir string `json:"dir"`
		estate.Meta
	}{estate.Dir(*cache, s), m})
}
