package observed_test

import (
	"context"
	"errors"
	"testing"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// Fulfil observes exactly what a request asks: the server list at most
// once, the agents named, and nothing at all once the CMDB failed.
func TestFulfil(t *testing.T) {
	agentsOf := map[vocab.Host][]vocab.GUID{"PS001": {pkgX}}
	tests := []struct {
		name       string
		cmdbErr    error
		req        observed.Request
		lists      int
		agentCalls int
	}{
		{"nothing asked", nil, observed.Request{}, 0, 0},
		{"the list", nil, observed.Request{ServerList: true}, 1, 0},
		{"the agents", nil, observed.Request{Agents: agentsOf, NSPackages: []vocab.GUID{pkgX}}, 0, 1},
		{"both", nil, observed.Request{ServerList: true, Agents: agentsOf}, 1, 1},
		{"after a CMDB failure: nothing", errors.New("login failed"), observed.Request{ServerList: true, Agents: agentsOf}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cm := rowsCMDB(tc.cmdbErr, raw(sidA, "PS001", pkgX, "Invalid", "2", "2"))
			lists := 0
			cm.ServersFunc = func(context.Context) ([]observed.RawServer, error) {
				lists++
				return []observed.RawServer{{ID: sidA, Name: "PS001"}}, nil
			}
			ag := healthyAgents()
			calls := 0
			inner := ag.AgentFunc
			ag.AgentFunc = func(ctx context.Context, s vocab.Host, pkgs []vocab.GUID) (observed.AgentFacts, error) {
				calls++
				return inner(ctx, s, pkgs)
			}
			o := &observed.Observer{CMDB: cm, NS: nsOK, Agents: ag, Concurrency: 1}
			obs := o.ReadSite(context.Background(), t0, false)
			o.Fulfil(context.Background(), obs, tc.req)
			o.Fulfil(context.Background(), obs, observed.Request{ServerList: tc.req.ServerList})
			if lists != tc.lists || calls != tc.agentCalls {
				t.Errorf("%d lists and %d agent calls, want %d and %d", lists, calls, tc.lists, tc.agentCalls)
			}
		})
	}
}
