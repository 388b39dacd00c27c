package observed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/itms-tools/reconciler/vocab"
)

// TerminalError is implemented by driver errors that mean a server refuses
// remote management for good (retrying will not help): Agent.Terminal is
// set from it.
type TerminalError interface {
	error
	Terminal() bool
}

// agentResult is one server's outcome, inserted after every call ended.
type agentResult struct {
	agent   Agent
	rejects []Reject
}

// ObserveAgents observes the servers of need (server → packages in
// question; a server with no packages is observed for its credential and
// ACL only) and the NS snapshots of nsPackages, and adds the results to
// obs. At most Concurrency agent calls run at once, each bounded by
// CallTimeout; the NS snapshot read runs beside them.
//
// Every server of need ends with an Agent: its facts, or Reachable false
// and why (an error, a timeout, a recovered panic, or the context ending
// before its turn). Results are inserted after all calls end, in server
// order, so the Observation does not depend on goroutine timing. Answers
// about other servers or packages not asked are dropped and reported in
// obs.Rejects. It must not run concurrently with readers of obs's plain
// fields.
func (o *Observer) ObserveAgents(ctx context.Context, obs *Observation, need map[vocab.Host][]vocab.GUID, nsPackages []vocab.GUID) {
	servers, need, rejects := checkNeed(need)
	var snaps []Snapshot
	var snapRejects []Reject
	var snapErr error
	var nsDone sync.WaitGroup
	nsDone.Go(func() { snaps, snapRejects, snapErr = o.readSnapshots(ctx, nsPackages) })

	results := o.observeAll(ctx, servers, need)
	nsDone.Wait()

	agents := make([]Agent, 0, len(results))
	for _, r := range results {
		agents = append(agents, r.agent)
		rejects = append(rejects, r.rejects...)
	}
	if err := obs.storeAgents(agents); err != nil { // checked by checkNeed and checkFacts
		o.log().Error("store agent observations", "error", err)
	}
	if err := obs.SetSnapshot(snaps...); err != nil {
		o.log().Error("store NS snapshots", "error", err)
	}
	if snapErr != nil {
		obs.SnapshotsErr = snapErr
		o.log().Warn("NS snapshots not read", "error", snapErr)
	}
	obs.AddRejects(append(rejects, snapRejects...)...)
}

// checkNeed returns the servers of need in order, each with its packages
// sorted and once each. Names that are not host names and package ids that
// are not canonical GUIDs are a caller's bug; they are reported all the
// same, and never reach a driver.
func checkNeed(need map[vocab.Host][]vocab.GUID) ([]vocab.Host, map[vocab.Host][]vocab.GUID, []Reject) {
	var servers []vocab.Host
	clean := make(map[vocab.Host][]vocab.GUID, len(need))
	var rejects []Reject
	for s, pkgs := range need {
		if err := checkHost(s); err != nil {
			rejects = append(rejects, Reject{Server: vocab.Clip(string(s)), Reason: err.Error()})
			continue
		}
		servers = append(servers, s)
		var ok []vocab.GUID
		if len(pkgs) > 0 {
			ok = make([]vocab.GUID, 0, len(pkgs))
		}
		for _, p := range pkgs {
			if !validGUID(p) {
				rejects = append(rejects, Reject{Server: string(s), PackageID: vocab.Clip(string(p)),
					Reason: "agent request: not a canonical GUID"})
				continue
			}
			ok = append(ok, p)
		}
		slices.Sort(ok)
		clean[s] = slices.Compact(ok)
	}
	slices.SortFunc(servers, compareHost)
	slices.SortFunc(rejects, compareReject)
	return mergeCase(servers, clean), clean, rejects
}

// mergeCase folds servers whose names differ only in case into the first
// spelling: they are one Windows host.
func mergeCase(servers []vocab.Host, need map[vocab.Host][]vocab.GUID) []vocab.Host {
	var out []vocab.Host
	for _, s := range servers {
		if n := len(out); n > 0 && hostKey(out[n-1]) == hostKey(s) {
			merged := append(need[out[n-1]], need[s]...)
			slices.Sort(merged)
			need[out[n-1]] = slices.Compact(merged)
			delete(need, s)
			continue
		}
		out = append(out, s)
	}
	return out
}

// observeAll runs the agent calls through a semaphore of Concurrency
// slots. A slot is released when the driver call returns, not when it is
// abandoned at its timeout, so the driver never sees more calls at once.
func (o *Observer) observeAll(ctx context.Context, servers []vocab.Host, need map[vocab.Host][]vocab.GUID) []agentResult {
	results := make([]agentResult, len(servers))
	sem := make(chan struct{}, max(o.Concurrency, 1))
	var wg sync.WaitGroup
	for i, s := range servers {
		if ctx.Err() != nil {
			results[i] = notObserved(s, ctx)
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			results[i] = notObserved(s, ctx)
			continue
		}
		release := func() { <-sem }
		wg.Go(func() { results[i] = o.observeAgent(ctx, s, need[s], release) })
	}
	wg.Wait()
	return results
}

func notObserved(s vocab.Host, ctx context.Context) agentResult {
	err := fmt.Errorf("not observed: %w", context.Cause(ctx))
	return agentResult{agent: Agent{Server: s, Error: clipError(err)}}
}

// observeAgent calls the driver for one server and validates its answer.
func (o *Observer) observeAgent(ctx context.Context, s vocab.Host, pkgs []vocab.GUID, release func()) agentResult {
	if o.Agents == nil {
		release()
		return agentResult{agent: Agent{Server: s, Error: "no agent source"}}
	}
	asked := slices.Clone(pkgs)
	facts, err := call(ctx, o.CallTimeout, release, func(ctx context.Context) (AgentFacts, error) {
		return o.Agents.Agent(ctx, s, slices.Clone(asked))
	})
	if err != nil {
		o.log().Warn("agent not observed", "server", s, "error", err)
		var t TerminalError
		terminal := errors.As(err, &t) && t.Terminal()
		return agentResult{agent: Agent{Server: s, Error: clipError(err), Terminal: terminal}}
	}
	checked, rejects, refusal := checkFacts(s, asked, facts)
	if refusal != "" {
		o.log().Warn("agent answer refused", "server", s, "reason", refusal)
		return agentResult{agent: Agent{Server: s, Error: refusal}}
	}
	return agentResult{agent: Agent{Server: s, Reachable: true, Facts: checked}, rejects: rejects}
}

// readSnapshots reads the NS snapshots of the given packages, once each.
func (o *Observer) readSnapshots(ctx context.Context, pkgs []vocab.GUID) ([]Snapshot, []Reject, error) {
	var asked []vocab.GUID
	var rejects []Reject
	for _, p := range pkgs {
		if !validGUID(p) {
			rejects = append(rejects, Reject{PackageID: vocab.Clip(string(p)), Reason: "NS snapshot: not a canonical GUID"})
			continue
		}
		asked = append(asked, p)
	}
	slices.Sort(asked)
	asked = slices.Compact(asked)
	if len(asked) == 0 {
		return nil, rejects, nil
	}
	if o.NS == nil {
		return nil, rejects, errors.New("read NS snapshots: no NS source")
	}
	ss, err := call(ctx, o.CallTimeout, nil, func(ctx context.Context) ([]Snapshot, error) {
		return o.NS.Snapshots(ctx, slices.Clone(asked))
	})
	if err != nil {
		return nil, rejects, fmt.Errorf("read NS snapshots: %w", err)
	}
	out, bad := checkSnapshots(asked, ss)
	slices.SortFunc(out, func(a, b Snapshot) int { return cmp.Compare(a.Package, b.Package) })
	return out, append(rejects, bad...), nil
}
