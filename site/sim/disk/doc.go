// Package disk is the simulated site's disk store: the demo's site, kept
// in a folder laid out as on Windows, with a SQLite CMDB, read from disk
// at each operation so that a daemon and a CLI can share it. It implements
// world.Store.
//
// The folder:
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
// operation holds the folder's file lock (.site.lock); files are replaced
// atomically.
//
// Every file the store reads back is untrusted (a person may edit the
// demo's files): each parser accepts exactly what the store writes. Every
// file operation passes the guard it was given (package layout) and then
// goes through an os.Root of the folder, so that no symbolic link leads
// one out of it; the lock file and the CMDB, opened by path, may not be
// such links either.
package disk
