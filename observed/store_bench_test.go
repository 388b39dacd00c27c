package observed_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// agentSource answers at once for any server, with healthy files.
type agentSource struct{}

func (agentSource) Agent(_ context.Context, server vocab.Host, pkgs []vocab.GUID) (observed.AgentFacts, error) {
	return healthyFacts(server, pkgs), nil
}

// BenchmarkObserveAgents observes 1,000 servers asked about 40 packages
// each (40,000 files checked and stored) through agents that answer at
// once: the observer's own cost, without the network.
func BenchmarkObserveAgents(b *testing.B) {
	var pkgs []vocab.GUID
	for p := range 40 {
		pkgs = append(pkgs, vocab.MustGUID(fmt.Sprintf("aaaaaaaa-0000-0000-0000-%012d", p)))
	}
	need := map[vocab.Host][]vocab.GUID{}
	for s := range 1000 {
		need[vocab.Host(fmt.Sprintf("PS%04d", s))] = pkgs
	}
	o := &observed.Observer{Agents: agentSource{}, NS: nsOK, Concurrency: 16, CallTimeout: time.Minute}
	b.ReportAllocs()
	for b.Loop() {
		obs := observed.NewObservation(t0)
		o.ObserveAgents(context.Background(), obs, need, pkgs)
		if len(obs.FilesOf("PS0999")) != 40 {
			b.Fatal("files lost")
		}
	}
}
