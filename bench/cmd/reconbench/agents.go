package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/itms-tools/reconciler/bench/internal/estate"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// runAgents times Observer.ObserveAgents on servers whose agents each
// answer after a fixed latency (a fake driver: the time a WinRM round trip
// and the PowerShell script take), with the policy's concurrency and call
// timeout. Each server is asked about two packages.
func runAgents(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("agents")
	polPath := fs.String("policy", "", "policy file (required): reconcile.concurrency and call_timeout")
	servers := fs.Int("servers", 1000, "package servers to observe")
	latency := fs.Duration("latency", 100*time.Millisecond, "how long each agent takes to answer")
	runs := fs.Int("runs", 3, "observations to time; the median is reported")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *polPath == "" {
		return errors.New("agents: --policy is required")
	}
	pol, err := policy.Load(*polPath)
	if err != nil {
		return err
	}
	need, pkgs := agentNeed(*servers)
	o := &observed.Observer{Agents: slowAgents{latency: *latency}, NS: slowAgents{},
		Concurrency: pol.Reconcile.Concurrency, CallTimeout: pol.Reconcile.CallTimeout}
	var secs []float64
	for range max(*runs, 1) {
		obs := observed.NewObservation(estate.Epoch)
		start := time.Now()
		o.ObserveAgents(ctx, obs, need, pkgs)
		secs = append(secs, time.Since(start).Seconds())
		for _, a := range obs.Agents() {
			if !a.Reachable {
				return fmt.Errorf("agents: %s not observed: %s", a.Server, a.Error)
			}
		}
		if n := len(obs.Agents()); n != *servers {
			return fmt.Errorf("agents: %d of %d observed", n, *servers)
		}
	}
	return writeJSON(stdout, map[string]any{"seconds": median(secs), "runs": secs, "servers": *servers,
		"latency": latency.String(), "concurrency": pol.Reconcile.Concurrency})
}

// agentNeed asks each server about two of four packages.
func agentNeed(servers int) (map[vocab.Host][]vocab.GUID, []vocab.GUID) {
	var pkgs []vocab.GUID
	for i := range 4 {
		pkgs = append(pkgs, vocab.MustGUID(fmt.Sprintf("aaaaaaaa-0000-4000-8000-%012d", i)))
	}
	need := make(map[vocab.Host][]vocab.GUID, servers)
	for i := range servers {
		need[vocab.Host(scenario.ServerName(i, servers))] = []vocab.GUID{pkgs[i%4], pkgs[(i+1)%4]}
	}
	return need, pkgs
}

// slowAgents answers as a healthy package server would, after latency.
type slowAgents struct{ latency time.Duration }

func (s slowAgents) Agent(ctx context.Context, server vocab.Host, packages []vocab.GUID) (observed.AgentFacts, error) {
	if err := s.wait(ctx); err != nil {
		return observed.AgentFacts{}, err
	}
	f := observed.AgentFacts{Server: server, Applied: vocab.Credential{Mode: vocab.ACC, Account: estate.Account},
		PolicyVersion: 7, FullControl: []string{world.PrincipalSystem, world.PrincipalAdmins, estate.Account}}
	for _, p := range packages {
		f.Packages = append(f.Packages, observed.PackageFiles{Server: server, Package: p, SnapshotPresent: true,
			SnapshotVersion: "3", StatusPresent: true, StatusRecorded: vocab.Ready, Local: vocab.LocalReady})
	}
	return f, nil
}

func (s slowAgents) Setting(ctx context.Context) (observed.NSState, error) {
	return observed.NSState{Credential: vocab.Credential{Mode: vocab.ACC, Account: estate.Account}, PolicyVersion: 7}, nil
}

func (s slowAgents) Snapshots(ctx context.Context, packages []vocab.GUID) ([]observed.Snapshot, error) {
	out := make([]observed.Snapshot, 0, len(packages))
	for _, p := range packages {
		out = append(out, observed.Snapshot{Package: p, Present: true, Version: "3"})
	}
	return out, nil
}

func (s slowAgents) wait(ctx context.Context) error {
	if s.latency <= 0 {
		return nil
	}
	t := time.NewTimer(s.latency)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
