// Package crashpoint kills the process at named points of a pass, for the
// crash tests in package e2e: a real crash (SIGKILL), with no deferred
// code, no flush and no cleanup, between the steps whose ordering makes
// the daemon safe (the intent record is durable before an action runs, the
// outcome is recorded after it).
//
// In normal builds every function here is an empty no-op that the compiler
// inlines away. A binary built with -tags crashtest (on a Unix system)
// reads RECONCILER_CRASH_AT=<point>:<n> once at start and kills itself at
// the n-th Hit of that point; an unknown point or a malformed value makes
// it panic at start, so that a typo never lets a crash test pass without
// crashing.
//
// The points, in the order a pass meets them:
//
//	before_intent   the executor is about to write an action's intent record
//	after_intent    the intent record is durable; the driver is not called yet
//	after_action    the driver call returned; nothing recorded about it yet
//	before_outcome  the executor is about to write an outcome record (of an
//	                action that ran, or of one deferred or skipped)
//	mid_write       the journal has written and synced the first half of a
//	                record's line (any record: startup, pass, intent, outcome…)
//
// and at the end of a pass, when the journal rotates or sweeps old
// segments:
//
//	rotate_copied   the live file is copied into a synced temporary segment
//	rotate_sealed   the segment is renamed into place; the live file unchanged
//	rotate_next     the next live file (its first record) is written aside
//	rotate_switched the next live file replaced the old one
//	retain_recorded the retention record is durable; no segment removed yet
//
// The package owns only the trigger. It must not import any other package
// of the module (the journal and the executor import it), and its call
// sites must stay one line each, so that the normal build's code paths are
// exactly those of a build without it.
package crashpoint
