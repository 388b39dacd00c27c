package observed

import (
	"context"

	"github.com/itms-tools/reconciler/vocab"
)

// A Request is what a pass asks the observer for beyond what ReadSite
// reads (the NS setting and the CMDB rows in question): the planner says
// what it needs as a value, and Fulfil observes it. A pass asks in two
// steps, because the agents it needs depend on the server list: first the
// list (when every server must be looked at, or a sweep is due), then the
// agents and NS snapshots. A survey asks for everything.
type Request struct {
	// ServerList asks for the CMDB's list of every package server.
	ServerList bool
	// Agents asks each server's agent about the packages given (none: its
	// server-wide facts only, the credential and the ACL).
	Agents map[vocab.Host][]vocab.GUID
	// NSPackages asks the NS for the snapshots of these packages.
	NSPackages []vocab.GUID
}

// Fulfil observes what r asks into obs: nothing once the CMDB failed, the
// server list at most once.
func (o *Observer) Fulfil(ctx context.Context, obs *Observation, r Request) {
	if obs.CMDBErr != nil {
		return
	}
	if r.ServerList {
		o.ListServers(ctx, obs)
	}
	if len(r.Agents) > 0 || len(r.NSPackages) > 0 {
		o.ObserveAgents(ctx, obs, r.Agents, r.NSPackages)
	}
}
