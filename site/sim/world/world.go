// Package world is the simulated site's model: what a site is made of (its
// catalog of servers and packages, drawn from the scenario's seed), the
// state it holds (the NS setting and snapshots, each server's agent, files
// and log, the CMDB rows, the bookkeeping), the Store contract that keeps
// that state, and the rules that change it: the effects of each action
// (DESIGN §6), of each fault (DESIGN §7) and of time (downloads ending,
// the CMDB coming back). The rules are written once, against Store, and so
// hold alike over the disk store (package disk) and the memory store
// (package memory).
//
// It takes trusted indices: validating a target, checking a path and
// counting what is refused are the driver's (package sim). It must not
// decide what to do about what the site holds (that is the planner's
// job), and must not read the wall clock: every time is given.
package world

import "github.com/itms-tools/reconciler/site/sim/faults"

// World is a simulated site as one operation sees it. Server (srv) and
// package (p) arguments are indices into Cat.
type World struct {
	// Cat is the site's immutable catalog.
	Cat *Catalog
	// Store keeps the site's state.
	Store Store
	// Meta is the bookkeeping of the operation in progress, as
	// Store.Begin returned it.
	Meta *Meta
	// Sched is the site's fault timetable, derived from Meta.Faults.
	Sched faults.Schedule
	// preexisting is set while the faults of time 0 are injected.
	preexisting bool
}

// FolderBare reports whether a server's Package Delivery\{GUID} folders
// grant nobody but Administrators and SYSTEM, as KB 179719 finds them when
// the credential was not applied: the sim keeps one ACL per server, and a
// folder holds the account only while the agent applied the NS setting and
// the account holds Full Control on Package Delivery. Only a mode with an
// account can show it.
func FolderBare(a AgentRec, ns NSSetting) bool {
	if !ns.Cred.Mode.NeedsAccount() {
		return false
	}
	return !a.Applied.Equal(ns.Cred) || !HasPrincipal(a.FullControl, ns.Cred.Account)
}
