// Package sim is the simulated ITMS site: a Notification Server with its
// Package Service credential setting and snapshot files, a CMDB with the
// SWDPackageServer, SWDPackage and vItem tables, and package servers whose
// agents hold applied credentials, Package Delivery ACLs, snapshot.xml and
// PackageStatus.xml files and an agent.log. It is the embedded default
// driver of the reconciler and the ground truth of its tests, benchmarks
// and virtual-time simulator.
//
// A site is built from a Scenario (DESIGN §7) and a seed, and reacts to
// actions exactly as DESIGN §6 says. The effects are written once, against
// an internal state interface with two implementations: a disk store (Open)
// that lays the site out as on Windows with a SQLite CMDB, so that a file
// browser and any SQLite client can inspect it while the daemon runs, and
// a memory store (NewMemory) that keeps only what deviates from a healthy
// site, for millions of pairs. Both show the same observations.
//
// The disk site's folder:
//
//	site.json                 the sim's bookkeeping: scenario, seed, epoch,
//	                          resolved faults and their windows, queued
//	                          reports, stuck flags, counters
//	cmdb.sqlite               vItem, SWDPackage, SWDPackageServer (WAL)
//	ns/settings.json          credential mode, account, policy version
//	ns/ProgramData/Symantec/SMP/Snapshots/{guid}.xml
//	servers/PS001/agent.json  applied credential, policy version received,
//	                          Full Control principals, downloads
//	servers/PS001/ProgramData/Symantec/Symantec Agent/
//	    Package Delivery/{guid}/snapshot.xml
//	    Package Server Agent/PackageStatus/{guid}/PackageStatus.xml
//	    Logs/agent.log
//
// Snapshot files hold <Snapshot PackageId="{guid}" Version="7"/>, status
// files <PackageStatus PackageId="{guid}" Status="Ready" Version="7"/>,
// agent.log one <event ...><![CDATA[...]]></event> per line. Each
// operation holds the folder's file lock (.site.lock), so that a daemon
// and a CLI can share it; files are replaced atomically.
//
// The package owns the simulated site's state, its fault schedule and its
// time-driven events (downloads ending, the CMDB coming back). It must not
// decide what to do about what it holds (that is the planner's job), must
// not sleep or read the wall clock (time comes from the injected clock),
// and must never let an untrusted value (an action target, a row, a file's
// content) reach a file path unchecked: every file operation goes through
// one guard that refuses and counts anything outside the allowed set.
package sim
