// Package sim is the simulated ITMS site as a driver: a Notification
// Server with its Package Service credential setting and snapshot files,
// a CMDB with the SWDPackageServer, SWDPackage and vItem tables, and
// package servers whose agents hold applied credentials, Package Delivery
// ACLs, snapshot.xml and PackageStatus.xml files and an agent.log. It is
// the embedded default driver of the reconciler and the ground truth of
// its tests, benchmarks and virtual-time simulator.
//
// Site implements observed.CMDB, observed.NSSource, observed.AgentSource
// and apply.Driver over one of two stores: Open keeps the site in a
// folder (package disk: the demo, laid out as on Windows with a SQLite
// CMDB, so that a file browser and any SQLite client can inspect it while
// the daemon runs), NewMemory in memory (package memory: only what
// deviates from a healthy site, for millions of pairs). Both show the same
// observations after the same operations.
//
// The parts beneath it, each a package:
//
//	scenario  the scenario file (DESIGN §7): format, decoding, limits, built-ins
//	faults    a scenario's faults resolved against a site, and their timetable
//	world     the model and its rules: the effects of actions (DESIGN §6),
//	          of faults and of time, written once against the Store contract
//	layout    the site's file paths and the one guard every file operation passes
//	disk      the disk store
//	memory    the memory store
//
// This package validates every untrusted value before the rules see it
// (an action's target, a server or package asked about), passes every
// would-be path through the guard and counts what it refuses
// (UnsafePathsTouched), serializes operations (a mutex and, on disk, the
// folder's file lock), runs the events due before each operation, and
// keeps the timelines the simulation report draws. It must not decide
// what to do about what the site holds (that is the planner's job), and
// must not sleep or read the wall clock: time comes from the injected
// clock.
package sim
